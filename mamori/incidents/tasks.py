"""Periodic work for `mamori remind`: the escalation timers and overdue tasks."""

from mamori.lib import reminders


@reminders.register("incidents.escalate")
def escalate() -> int:
    """Escalate every chain step not acknowledged within the policy's time limit."""
    from mamori.incidents.actions.reporting import escalate_overdue

    return escalate_overdue()


@reminders.register("incidents.overdue_tasks")
def overdue_tasks() -> int:
    """Remind the owners of response tasks past their due date (once a day per task)."""
    from mamori.incidents.actions.handling import remind_overdue_tasks

    return remind_overdue_tasks()


@reminders.register("incidents.legal_deadlines")
def legal_deadlines() -> int:
    """Remind before the deadlines of the legal reports of personal-information leaks, and
    tell the pack's escalation role (the CSIRT責任者) when one is near and not sent."""
    # Imported when run, as the tasks above: ready() loads this module before the models.
    from mamori.incidents.actions.privacy import remind_deadlines

    return remind_deadlines()
