"""State changes of the compliance app, each with its trail event in the same transaction."""

from __future__ import annotations

import logging
from collections import Counter

from django.db import transaction

from mamori.compliance import registry
from mamori.compliance.events import ComplianceEvent
from mamori.compliance.models import ComplianceSnapshot
from mamori.lib import clock, reminders
from mamori.policy.rules import PolicyContext, active_context
from mamori.trail.chain import record

logger = logging.getLogger(__name__)


@transaction.atomic
def take_snapshot(context: PolicyContext | None = None) -> int:
    """Count today's findings by check, severity and unit; once a day (a second run on
    the same day changes nothing). Returns the number of rows written. Raises
    CheckConfigurationError (before writing anything) when a check's clause is missing."""
    context = context or active_context()
    if context is None:
        return 0
    today = clock.today()
    if ComplianceSnapshot.objects.filter(taken_on=today).exists():
        return 0
    findings = registry.run(context)
    counts = Counter((f.check, f.severity, f.unit_id) for f in findings)
    now = clock.now()
    rows = [
        ComplianceSnapshot(
            taken_on=today, check_id=check, severity=severity, unit_id=unit, count=n, taken_at=now
        )
        for (check, severity, unit), n in sorted(
            counts.items(), key=lambda i: (i[0][0], i[0][2] or 0)
        )
    ]
    if not rows:
        # A day without findings is recorded too, so that the trend shows the zero.
        rows = [
            ComplianceSnapshot(
                taken_on=today, check_id="", severity="", unit=None, count=0, taken_at=now
            )
        ]
    ComplianceSnapshot.objects.bulk_create(rows)
    record(
        ComplianceEvent.SNAPSHOT,
        actor=None,
        target_type="compliance.snapshot",
        target_id=today.isoformat(),
        target_repr=str(today),
        after={"findings": len(findings), "rows": len(rows)},
    )
    return len(rows)


@reminders.register("compliance")
def daily_snapshot() -> int:
    """The day's compliance snapshot (for the dashboard's trends). A misconfigured check is
    logged and skipped, so that it never holds up the other reminders and escalations."""
    try:
        return take_snapshot()
    except registry.CheckConfigurationError as error:
        logger.error("compliance snapshot not taken: %s", error)
        return 0
