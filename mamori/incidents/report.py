"""The final report (インシデント報告書) as PDF, with the bundled Japanese font."""

from django.utils.translation import gettext as _

from mamori.incidents.display import affected_view, chain_view, timeline_view
from mamori.incidents.models import Incident, LegalReport, ReportingDecision
from mamori.lib import clock
from mamori.lib.pdf import PdfDocument
from mamori.lib.wareki import show_date, show_datetime


def build_report(doc: PdfDocument, incident: Incident, *, access, context, handler: bool) -> None:
    doc.title(_("Information security incident report %(number)s") % {"number": incident.number})
    doc.fields(
        [
            (_("Kind"), incident.type_label),
            (_("Unit concerned"), incident.unit.name),
            (_("How it was noticed"), incident.get_detection_display()),
            (_("Noticed at"), show_datetime(incident.detected_at)),
            (_("Reported at"), show_datetime(incident.reported_at)),
            (_("Reported by"), incident.reporter_name),
            (_("Severity"), incident.get_severity_display()),
            (_("Status"), incident.get_status_display()),
            (_("Closed at"), show_datetime(incident.closed_at) if incident.closed_at else "—"),
            (_("Informing citizens"), incident.get_public_notice_display()),
        ]
    )
    doc.heading(_("What happened"))
    doc.paragraph(incident.description)
    affected = affected_view(incident, access=access)
    if affected:
        doc.heading(_("Affected assets and systems"))
        doc.table(
            [_("Kind"), _("Entry")],
            [[a.kind, str(a.shown) if a.shown else a.reference] for a in affected],
            widths_mm=[40, 130],
        )
    doc.heading(_("Report"))
    doc.fields(
        [
            (_("What the incident was (内容)"), incident.report_content or "—"),
            (_("Cause (原因)"), incident.report_cause or "—"),
            (_("Damage and extent of the impact (被害・影響範囲)"), incident.report_damage or "—"),
            (_("Actions taken"), incident.report_actions or "—"),
            (_("Measures against recurrence"), incident.report_prevention or "—"),
            (_("Lessons and procedures revised"), incident.report_lessons or "—"),
        ]
    )
    _legal_section(doc, incident)
    doc.heading(_("Reporting chain"))
    rows = []
    chain = chain_view(incident, access=access, context=context, handler=handler)
    for view in chain:
        people = "、".join(
            f"{c.name}"
            + (
                f" ({show_datetime(c.contact.acknowledged_at)})"
                if c.contact.acknowledged_at
                else ""
            )
            for c in view.contacts
            if not c.contact.absent
        )
        rows.append(
            [
                str(view.step.position),
                "・".join(view.step.role_names),
                view.step.get_state_display(),
                show_datetime(view.step.notified_at) if view.step.notified_at else "—",
                people or "—",
            ]
        )
    doc.table(
        [_("Step"), _("Roles"), _("State"), _("Notified at"), _("People (acknowledged at)")],
        rows,
        widths_mm=[12, 40, 28, 35, 55],
    )
    records = list(incident.records.select_related("authorized_by"))
    if records:
        doc.heading(_("Response records"))
        doc.table(
            [_("When"), _("What was done"), _("Details")],
            [
                [
                    show_datetime(r.occurred_at),
                    r.get_kind_display(),
                    r.description
                    + (f"\n{_('Allowed by')}: {r.authorized_by.name}" if r.authorized_by else "")
                    + (
                        f"\n{_('Reported afterwards because')}: {r.reported_after_reason}"
                        if r.reported_after_reason
                        else ""
                    )
                    + (f"\n{_('Reported to')}: {r.recipient}" if r.recipient else ""),
                ]
                for r in records
            ],
            widths_mm=[35, 40, 95],
        )
    tasks = list(incident.tasks.select_related("owner"))
    if tasks:
        doc.heading(_("Response tasks"))
        doc.table(
            [_("Task"), _("Owner"), _("Due"), _("Done")],
            [
                [t.title, t.owner.name, show_date(t.due_date), show_datetime(t.done_at) or "—"]
                for t in tasks
            ],
            widths_mm=[70, 35, 30, 35],
        )
    doc.heading(_("Timeline"))
    doc.table(
        [_("Time"), _("By"), _("What")],
        [
            [
                show_datetime(entry.at),
                entry.actor_name,
                text + (f"\n{entry.text}" if entry.text else ""),
            ]
            for entry, text in timeline_view(incident, chain)
        ],
        widths_mm=[35, 35, 100],
    )
    doc.spacer()
    doc.paragraph(
        _("Printed %(when)s from mamori.") % {"when": show_datetime(clock.now())}, small=True
    )


def _legal_section(doc: PdfDocument, incident: Incident) -> None:
    """The report to the 個人情報保護委員会, when personal information was decided on."""
    decision = ReportingDecision.objects.filter(incident=incident).first()
    if decision is None:
        return
    doc.heading(_("Report under the Personal Information Protection Act"))
    pairs = [
        (
            _("Decision"),
            _("A report is required") if decision.required else _("No report is required"),
        ),
        (_("Decided by"), f"{decision.decided_by_name} ({show_datetime(decision.decided_at)})"),
    ]
    if decision.required:
        pairs += [
            (_("First report due"), show_date(decision.first_due) if decision.first_due else "—"),
            (
                _("Confirmed report due"),
                show_date(decision.confirmed_due) if decision.confirmed_due else "—",
            ),
        ]
        reports = LegalReport.objects.filter(incident=incident).order_by("stage", "version")
        for report in reports:
            sent = show_date(report.sent_on) if report.sent_on else _("not sent yet")
            pairs.append((f"{report.get_stage_display()} v{report.version}", sent))
    doc.fields(pairs)
