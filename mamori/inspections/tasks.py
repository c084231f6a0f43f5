"""Periodic work for `mamori remind`: checklists near or past their deadline."""

from mamori.lib import reminders


@reminders.register("inspections.unsubmitted")
def unsubmitted() -> int:
    """Remind responders of checklists not submitted near or after the deadline (daily)."""
    from mamori.inspections.actions import remind_unsubmitted

    return remind_unsubmitted()
