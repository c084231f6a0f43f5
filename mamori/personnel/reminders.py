"""The daily work of personnel files: rows dated in the future are applied on their day
(`mamori remind`; the background worker runs the same registered work when it exists)."""

from mamori.lib.reminders import register
from mamori.personnel.actions import run_due


@register("personnel_due")
def apply_due_personnel_changes() -> int:
    return run_due()
