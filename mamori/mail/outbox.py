"""Notifications by e-mail (SMTP, configured with MAMORI_SMTP_*).

`queue()` writes the mail in the current transaction, so a notification exists if
and only if the change it reports was committed; after commit the background worker
(`deliver_mail`) sends it, and sends again every minute what the mail server did not
take (settings.MAMORI_SCHEDULE). Nothing is lost.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from mamori.mail.models import OutboundMail

log = logging.getLogger(__name__)


def address_of(recipient) -> str | None:
    """A person, a user or an address."""
    if recipient is None:
        return None
    if isinstance(recipient, str):
        return recipient or None
    email = getattr(recipient, "email", "")
    if not email and getattr(recipient, "person", None) is not None:
        email = recipient.person.email
    return email or None


def queue(recipients, subject: str, body: str, *, topic: str = "") -> list[OutboundMail]:
    mails = []
    for address in sorted({a for a in (address_of(r) for r in recipients) if a}):
        mails.append(OutboundMail(to=address, subject=subject[:300], body=body, topic=topic[:100]))
    OutboundMail.objects.bulk_create(mails)
    if mails:
        transaction.on_commit(deliver_mail.enqueue)
    return mails


def deliver_pending(limit: int = 200) -> int:
    """Send queued mail; failures stay queued with the error, for the next run."""
    pending = list(OutboundMail.objects.pending().order_by("created_at")[:limit])
    if not pending:
        return 0
    sent = 0
    try:
        connection = get_connection(fail_silently=False, timeout=10)
        connection.open()
    except Exception as exc:  # the server is down: keep everything for later
        OutboundMail.objects.filter(pk__in=[m.pk for m in pending]).update(
            last_error=str(exc)[:300]
        )
        log.warning("mail server unreachable: %s", exc)
        return 0
    try:
        for mail in pending:
            message = EmailMessage(
                mail.subject,
                mail.body,
                settings.DEFAULT_FROM_EMAIL,
                [mail.to],
                connection=connection,
            )
            try:
                message.send()
            except Exception as exc:
                OutboundMail.objects.filter(pk=mail.pk).update(
                    attempts=mail.attempts + 1, last_error=str(exc)[:300]
                )
            else:
                OutboundMail.objects.filter(pk=mail.pk).update(
                    attempts=mail.attempts + 1, sent_at=timezone.now(), last_error=""
                )
                sent += 1
    finally:
        connection.close()
    return sent


@task()
def deliver_mail() -> int:
    """Send the queued mail (in the background worker, never in the web process)."""
    return deliver_pending()
