"""The periodic work that `mamori worker` enqueues (settings.MAMORI_SCHEDULE); `mamori
remind` runs the same by hand. Each feature registers its reminders in mamori.lib.reminders."""

import logging

from django.conf import settings
from django.utils import translation
from django_tasks import task

from mamori.lib import reminders
from mamori.mail.outbox import deliver_pending
from mamori.trail.anchors import AnchorError, AnchorRefused, anchor_if_due

logger = logging.getLogger(__name__)

ESCALATION = "incidents.escalate"
SNAPSHOT = "compliance"


def _run(names) -> dict[str, int]:
    done = {}
    with translation.override(settings.LANGUAGE_CODE):
        for name, func in reminders.tasks().items():
            if name in names:
                done[name] = func()
    return done


@task()
def escalate() -> dict[str, int]:
    """Escalate the incident steps not acknowledged in time (every minute)."""
    done = _run({ESCALATION})
    done["mail"] = deliver_pending()
    return done


@task()
def send_reminders() -> dict[str, int]:
    """Every reminder but escalation and snapshots; a trail checkpoint when one is due."""
    done = _run(set(reminders.tasks()) - {ESCALATION, SNAPSHOT})
    if settings.MAMORI_TRAIL_ANCHOR_DIR:
        try:
            anchor_if_due()
        except (AnchorError, AnchorRefused) as error:
            logger.error("trail checkpoint not written: %s", error)
    done["mail"] = deliver_pending()
    return done


@task()
def daily_snapshot() -> dict[str, int]:
    """The day's compliance snapshot (the dashboard's trends)."""
    return _run({SNAPSHOT})
