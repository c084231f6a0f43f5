"""Periodic work for `mamori remind`: checklists near or past their deadline; evidence
files left behind by a rolled-back upload."""

from mamori.lib import reminders


@reminders.register("inspections.unsubmitted")
def unsubmitted() -> int:
    """Remind responders of checklists not submitted near or after the deadline (daily)."""
    from mamori.inspections.actions.self_inspection import remind_unsubmitted

    return remind_unsubmitted()


@reminders.register("inspections.orphan_files")
def orphan_files() -> int:
    """Remove evidence files that no record refers to (older than a day)."""
    from mamori.inspections.actions.evidence_files import sweep_orphan_evidence

    return sweep_orphan_evidence()
