"""Incident endpoints: report from another system (an antivirus console, monitoring),
read the incidents the caller may see, acknowledge. Same validation, same scoping and
the same refusals as the screens, because they call the same actions and querysets."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema, Status
from ninja.pagination import paginate

from mamori.access import Refused
from mamori.incidents.actions import reporting
from mamori.incidents.display import affected_view, chain_view
from mamori.incidents.models import (
    Detection,
    Incident,
    LegalReport,
    ReportingDecision,
    Severity,
)
from mamori.incidents.reporting_chain import incident_url
from mamori.lib.paging import BoundedPagination, ErrorOut, ObjectId
from mamori.org.models import OrgUnit
from mamori.policy.rules import active_context

router = Router(tags=["incidents"])


class KindOut(Schema):
    code: str
    label: str


class IncidentIn(Schema):
    type: str = ""
    detection: str = Detection.SYSTEM
    detected_at: str | None = None
    description: str = ""
    unit: str = ""
    informant: str = ""
    severity: str = Severity.UNASSESSED
    wider_impact: bool = False
    serious_external_impact: bool = False
    suspected_crime: bool = False
    # Ledger numbers of information assets and codes of information systems.
    affected: list[str] = []


class UnitOut(Schema):
    code: str
    name: str


class AffectedOut(Schema):
    kind: str
    reference: str
    # Given only when the caller may see the ledger entry.
    name: str | None = None
    owner_unit: str | None = None


class ContactOut(Schema):
    role: str
    name: str
    absent: bool
    acting_for: str | None
    notified_at: dt.datetime | None
    acknowledged_at: dt.datetime | None


class ChainStepOut(Schema):
    position: int
    roles: list[str]
    state: str
    condition: str
    notified_at: dt.datetime | None
    due_at: dt.datetime | None
    escalated_at: dt.datetime | None
    contacts: list[ContactOut]


class IncidentOut(Schema):
    id: int
    url: str
    kind: KindOut
    detection: str
    detected_at: dt.datetime
    reported_at: dt.datetime
    reported_by: str
    unit: UnitOut
    description: str
    severity: str
    wider_impact: bool
    serious_external_impact: bool
    suspected_crime: bool
    status: str
    affected: list[AffectedOut]
    chain: list[ChainStepOut]


class IncidentListOut(Schema):
    id: int
    url: str
    kind: KindOut
    detected_at: dt.datetime
    unit: UnitOut
    severity: str
    status: str


def _out(request, incident: Incident) -> dict:
    context = request.access.context
    handler = request.access.can("handle", incident)
    chain = chain_view(incident, access=request.access, context=context, handler=handler)
    return {
        "id": incident.pk,
        "url": incident_url(incident),
        "kind": {"code": incident.type_code, "label": incident.type_label},
        "detection": incident.detection,
        "detected_at": incident.detected_at,
        "reported_at": incident.reported_at,
        "reported_by": incident.reporter_name,
        "unit": {"code": incident.unit.code, "name": incident.unit.name},
        "description": incident.description,
        "severity": incident.severity,
        "wider_impact": incident.wider_impact,
        "serious_external_impact": incident.serious_external_impact,
        "suspected_crime": incident.suspected_crime,
        "status": incident.status,
        "affected": [
            {
                "kind": item.code,
                "reference": item.reference,
                "name": str(item.shown) if item.shown else None,
                "owner_unit": item.shown.owner_unit.name if item.shown else None,
            }
            for item in affected_view(incident, access=request.access)
        ],
        "chain": [
            {
                "position": view.step.position,
                "roles": view.step.role_names,
                "state": view.step.state,
                "condition": view.step.condition,
                "notified_at": view.step.notified_at,
                "due_at": view.step.due_at,
                "escalated_at": view.step.escalated_at,
                "contacts": [
                    {
                        "role": c.contact.role_name,
                        "name": c.name,
                        "absent": c.contact.absent,
                        "acting_for": c.contact.acting_for.name
                        if c.contact.acting_for and not c.hidden
                        else None,
                        "notified_at": c.contact.notified_at,
                        "acknowledged_at": c.contact.acknowledged_at,
                    }
                    for c in view.contacts
                ],
            }
            for view in chain
        ],
    }


def _errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        errors = {
            field: [m for e in items for m in e.messages] for field, items in exc.error_dict.items()
        }
    else:
        errors = {"__all__": exc.messages}
    return {"detail": _("The report has errors; nothing was stored."), "errors": errors}


class LegalReportOut(Schema):
    stage: str
    version: int
    persons: int | None
    sent_on: dt.date | None
    updated_at: dt.datetime


class LegalOut(Schema):
    # Whether the law requires a report, as decided; null while nobody has decided.
    decided: bool
    required: bool | None
    grounds: list[str]
    known_on: dt.date | None
    first_due: dt.date | None
    confirmed_due: dt.date | None
    reports: list[LegalReportOut]


@router.get("/types", response=list[KindOut])
def list_types(request):
    """The kinds of incident the policy in force names."""
    return [{"code": c, "label": label} for c, label in reporting.incident_types(active_context())]


@router.post("/", response={201: IncidentOut, 422: ErrorOut})
def report(request, payload: IncidentIn):
    """Report an incident; the chain is worked out and its first step told, as on screen."""
    errors: dict[str, list[str]] = {}
    detected_at = None
    if payload.detected_at:
        try:
            detected_at = parse_datetime(payload.detected_at)
        except ValueError:
            detected_at = None
        if detected_at is None:
            errors["detected_at"] = [_("Give the time as 2025-04-01T09:30:00+09:00.")]
        elif timezone.is_naive(detected_at):
            detected_at = timezone.make_aware(detected_at)
    unit = None
    if payload.unit:
        unit = OrgUnit.objects.filter(code=payload.unit).first()
        if unit is None:
            errors["unit"] = [_("There is no unit with code %(code)s.") % {"code": payload.unit}]
    try:
        if errors:
            raise ValidationError(errors)
        incident = reporting.report_incident(
            actor=request.user,
            type_code=payload.type,
            detection=payload.detection,
            detected_at=detected_at,
            description=payload.description,
            unit=unit,
            informant=payload.informant,
            severity=payload.severity,
            wider_impact=payload.wider_impact,
            serious_external_impact=payload.serious_external_impact,
            suspected_crime=payload.suspected_crime,
            references=payload.affected,
        )
    except ValidationError as exc:
        out = _errors(exc)
        if "type_code" in out["errors"]:
            out["errors"]["type"] = out["errors"].pop("type_code")
        if "references" in out["errors"]:
            out["errors"]["affected"] = out["errors"].pop("references")
        return Status(422, out)
    incident = Incident.objects.select_related("unit").get(pk=incident.pk)
    return Status(201, _out(request, incident))


@router.get("/", response=list[IncidentListOut])
@paginate(BoundedPagination)
def list_incidents(request, status: str = ""):
    incidents = request.access.restrict(
        Incident.objects.select_related("unit").order_by("-reported_at", "-id")
    )
    if status == "open":
        incidents = incidents.open()
    elif status:
        incidents = incidents.filter(status=status)
    return [
        {
            "id": i.pk,
            "url": incident_url(i),
            "kind": {"code": i.type_code, "label": i.type_label},
            "detected_at": i.detected_at,
            "unit": {"code": i.unit.code, "name": i.unit.name},
            "severity": i.severity,
            "status": i.status,
        }
        for i in incidents
    ]


@router.get("/{incident_id}", response={200: IncidentOut, 404: ErrorOut, 422: ErrorOut})
def get_incident(request, incident_id: Path[ObjectId]):
    incident = request.access.get_or_404(Incident.objects.select_related("unit"), pk=incident_id)
    return _out(request, incident)


@router.post(
    "/{incident_id}/acknowledge",
    response={200: IncidentOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def acknowledge(request, incident_id: Path[ObjectId]):
    incident = request.access.get_or_404(Incident.objects.select_related("unit"), pk=incident_id)
    try:
        reporting.acknowledge(incident, actor=request.user)
    except Refused:
        return Status(403, {"detail": _("You are not on this incident's chain.")})
    except ValidationError as exc:
        return Status(422, _errors(exc))
    incident.refresh_from_db()
    return Status(200, _out(request, incident))


@router.get("/{incident_id}/legal", response={200: LegalOut, 404: ErrorOut, 422: ErrorOut})
def get_legal(request, incident_id: Path[ObjectId]):
    """The decision whether the law requires a report to the 個人情報保護委員会 and the
    reports (速報/確報, each version) drafted or sent: to whoever may see the incident."""
    incident = request.access.get_or_404(Incident.objects.all(), pk=incident_id)
    decision = ReportingDecision.objects.filter(incident=incident).first()
    reports = LegalReport.objects.filter(incident=incident).order_by("stage", "version")
    return {
        "decided": decision is not None,
        "required": decision.required if decision else None,
        "grounds": list(decision.grounds) if decision else [],
        "known_on": decision.known_on if decision else None,
        "first_due": decision.first_due if decision else None,
        "confirmed_due": decision.confirmed_due if decision else None,
        "reports": [
            {
                "stage": r.stage,
                "version": r.version,
                "persons": r.persons,
                "sent_on": r.sent_on,
                "updated_at": r.updated_at,
            }
            for r in reports
        ],
    }
