"""Timeline entries in words, in the reader's language (the entry keeps its data)."""

import datetime as dt

from django.utils.translation import gettext as _

from mamori.incidents.models import (
    Detection,
    NoticeMeans,
    NotifyReason,
    PublicNotice,
    RecordKind,
    ReportStage,
    Severity,
    SkipReason,
    Status,
    TimelineEntry,
    TimelineKind,
)
from mamori.lib.wareki import show_date
from mamori.policy.vocabulary import BreachCondition

FIELD_LABELS = {
    "type_code": lambda: _("kind"),
    "type_label": None,
    "unit": lambda: _("unit concerned"),
    "severity": lambda: _("severity"),
    "wider_impact": lambda: _("other systems or units may be affected"),
    "serious_external_impact": lambda: _("the outside may be seriously affected"),
    "suspected_crime": lambda: _("possibly a crime"),
}
REPORT_LABELS = {
    "report_content": lambda: _("what the incident was"),
    "report_cause": lambda: _("cause"),
    "report_damage": lambda: _("damage and extent"),
    "report_actions": lambda: _("actions taken"),
    "report_prevention": lambda: _("measures against recurrence"),
    "report_lessons": lambda: _("lessons"),
}


def _label(choices, value) -> str:
    return str(dict(choices.choices).get(value, value))


def _value(name: str, value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "severity":
        return _label(Severity, value)
    return str(value)


def describe(entry: TimelineEntry) -> str:
    data = entry.data or {}
    kind = entry.kind
    if kind == TimelineKind.REPORTED:
        return _("Reported (%(how)s): %(kind)s.") % {
            "how": _label(Detection, data.get("detection")),
            "kind": data.get("kind", ""),
        }
    if kind == TimelineKind.NOTIFIED and data.get("responders"):
        return _("Nobody on the chain could be told; the responders were told: %(people)s.") % {
            "people": "、".join(data.get("people") or [])
        }
    if kind == TimelineKind.NOTIFIED:
        reason = data.get("reason")
        text = _("Step %(step)s notified: %(people)s.") % {
            "step": data.get("step"),
            "people": "、".join(data.get("people") or []) or "—",
        }
        if reason in (NotifyReason.ESCALATION, NotifyReason.MANUAL, NotifyReason.CHANGE):
            text += " " + _("(because %(why)s)") % {"why": _label(NotifyReason, reason)}
        return text
    if kind == TimelineKind.ACKNOWLEDGED:
        return _("Acknowledged as %(roles)s.") % {"roles": "・".join(data.get("roles") or [])}
    if kind == TimelineKind.ESCALATED:
        text = _("Step %(step)s (%(roles)s) did not acknowledge in time.") % {
            "step": data.get("step"),
            "roles": "・".join(data.get("roles") or []),
        }
        if data.get("to"):
            text += " " + _("Reported further up to %(roles)s.") % {"roles": "・".join(data["to"])}
        else:
            text += " " + _("There is no further step to report to.")
        return text
    if kind == TimelineKind.SKIPPED:
        return _("Step %(step)s (%(roles)s) not needed: %(why)s.") % {
            "step": data.get("step"),
            "roles": "・".join(data.get("roles") or []),
            "why": _label(SkipReason, data.get("why")),
        }
    if kind == TimelineKind.ASSESSED:
        changed = data.get("changed") or {}
        parts = []
        for name, pair in changed.items():
            label = FIELD_LABELS.get(name)
            if label is None:
                continue
            if name == "type_code":
                shown = changed.get("type_label", pair)
            else:
                shown = pair if name == "severity" else changed.get(f"{name}_display", pair)
            old, new = shown
            parts.append(f"{label()}: {_value(name, old)} → {_value(name, new)}")
        return _("Assessment changed: %(changes)s.") % {"changes": "; ".join(parts) or "—"}
    if kind == TimelineKind.AFFECTED:
        return _("Affected assets or systems added: %(items)s.") % {
            "items": "、".join(data.get("items") or [])
        }
    if kind == TimelineKind.STATUS:
        return _("Status: %(old)s → %(new)s.") % {
            "old": _label(Status, data.get("from")),
            "new": _label(Status, data.get("to")),
        }
    if kind == TimelineKind.RECORD:
        return _label(RecordKind, data.get("kind"))
    if kind == TimelineKind.TASK:
        if data.get("done"):
            return _("Task done: %(title)s.") % {"title": data.get("title", "")}
        return _("Task for %(owner)s by %(due)s: %(title)s.") % {
            "owner": data.get("owner", ""),
            "due": data.get("due_date", ""),
            "title": data.get("title", ""),
        }
    if kind == TimelineKind.REPORT:
        return _("Report updated: %(fields)s.") % {
            "fields": "、".join(
                REPORT_LABELS[f]() for f in data.get("fields") or [] if f in REPORT_LABELS
            )
        }
    if kind == TimelineKind.PUBLIC_NOTICE:
        return _("Informing citizens: %(decision)s.") % {
            "decision": _label(PublicNotice, data.get("decision"))
        }
    if kind == TimelineKind.REPORTING_DECISION:
        return _describe_decision(data)
    if kind == TimelineKind.LEGAL_REPORT:
        return _describe_legal_report(data)
    if kind == TimelineKind.PERSON_NOTICE:
        return _("Notice sent to %(n)s persons (%(means)s) on %(day)s.") % {
            "n": data.get("persons"),
            "means": _label(NoticeMeans, data.get("means")),
            "day": _day(data.get("sent_on")),
        }
    if kind == TimelineKind.CLOSED:
        return _("Closed.")
    if kind == TimelineKind.REOPENED:
        return _("Reopened.")
    if kind == TimelineKind.NOTE:
        return _("Note")
    return entry.get_kind_display()


def _day(value) -> str:
    """A date kept in the entry's data as ISO text, shown in 和暦."""
    try:
        return show_date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value or "—")


def _describe_decision(data: dict) -> str:
    grounds = "、".join(_label(BreachCondition, g) for g in data.get("grounds") or [])
    if data.get("required"):
        return _(
            "Legal report required (%(grounds)s): first report by %(first)s, "
            "confirmed report by %(confirmed)s."
        ) % {
            "grounds": grounds,
            "first": _day(data.get("first_due")),
            "confirmed": _day(data.get("confirmed_due")),
        }
    if data.get("exempt"):
        return _("No legal report required: strongly encrypted (%(grounds)s).") % {
            "grounds": grounds
        }
    return _("No legal report required.")


def _describe_legal_report(data: dict) -> str:
    stage = _label(ReportStage, data.get("stage"))
    event = data.get("event")
    if event == "sent":
        return _("%(report)s sent on %(day)s.") % {
            "report": stage,
            "day": _day(data.get("sent_on")),
        }
    if event == "reopened":
        return _("%(report)s reopened as version %(version)s: the decision changed.") % {
            "report": stage,
            "version": data.get("version"),
        }
    if event == "escalated":
        return _("%(report)s not sent, due %(day)s: %(people)s told.") % {
            "report": stage,
            "day": _day(data.get("due")),
            "people": "、".join(data.get("people") or []) or "—",
        }
    return _("%(report)s draft saved.") % {"report": stage}
