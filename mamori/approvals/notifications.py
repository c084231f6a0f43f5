"""The e-mails requests send, queued in the transaction of the change they report
(mamori.mail.outbox). Always in the organization's language, whatever the screen
language of the person who acted."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from mamori.approvals.kinds import kind_label
from mamori.lib.wareki import show_datetime
from mamori.mail import outbox

TOPIC = "approvals"


def absolute_url(path: str) -> str:
    base = (getattr(settings, "MAMORI_BASE_URL", "") or "").rstrip("/")
    return f"{base}{path}"


def _link(request) -> str:
    return absolute_url(reverse("approvals:detail", args=[request.pk]))


def _heading(request) -> str:
    return f"[{request.reference}] {kind_label(request.kind)}: {request.title}"


def _send(recipients, subject: str, lines: list[str], request) -> None:
    body = "\n".join([*lines, "", _link(request), "", _("— mamori (sent automatically)")])
    outbox.queue(recipients, subject, body, topic=f"{TOPIC}:{request.pk}")


def decision_needed(request, people, *, step_name: str, due_at=None) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("A request waits for your decision as %(role)s.") % {"role": step_name},
            "",
            _("Request: %(heading)s") % {"heading": _heading(request)},
            _("Requester: %(name)s (%(unit)s)")
            % {"name": request.requester_name, "unit": request.unit.name},
        ]
        if due_at is not None:
            lines.append(_("Please decide by %(due)s.") % {"due": show_datetime(due_at)})
        _send(
            people,
            _("Decision requested: %(heading)s") % {"heading": _heading(request)},
            lines,
            request,
        )


def decided(request, *, outcome: str, comment: str = "", by: str = "") -> None:
    with translation.override(settings.LANGUAGE_CODE):
        lines = [_("Your request was %(outcome)s by %(by)s.") % {"outcome": outcome, "by": by}]
        if comment:
            lines += ["", _("Comment:"), comment]
        _send(
            [request.requester],
            _("%(outcome)s: %(heading)s") % {"outcome": outcome, "heading": _heading(request)},
            lines,
            request,
        )


def withdrawn(request, people) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            people,
            _("Withdrawn: %(heading)s") % {"heading": _heading(request)},
            [_("The requester withdrew this request; no decision is needed any more.")],
            request,
        )


def exception_reported(request, people) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("An exception was carried out in an emergency and is reported to you.")
            if request.emergency
            else _("A report was made to you."),
            "",
            _("Request: %(heading)s") % {"heading": _heading(request)},
            _("Reported by: %(name)s (%(unit)s)")
            % {"name": request.requester_name, "unit": request.unit.name},
            "",
            request.report,
        ]
        _send(
            people,
            _("Emergency exception reported: %(heading)s") % {"heading": _heading(request)},
            lines,
            request,
        )


def reminder(request, people, *, what: str, escalated: bool = False) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = (_("Escalation: %(heading)s") if escalated else _("Reminder: %(heading)s")) % {
            "heading": _heading(request)
        }
        lines = [str(what), "", _("Request: %(heading)s") % {"heading": _heading(request)}]
        lines.append(
            _("Requester: %(name)s (%(unit)s)")
            % {"name": request.requester_name, "unit": request.unit.name}
        )
        _send(people, subject, lines, request)
