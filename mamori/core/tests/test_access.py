"""Every view, API endpoint and data-changing command, tried as every persona and as nobody.

The tables below, together with the tables of each app's `tests/access_matrix.py` (ACCESS,
POSTS, API and an optional `prepare(p)` that adds the app's sample objects to the personas),
must name every URL pattern and every API operation of the project: a new one without an
access rule fails `test_every_view_has_an_access_rule` or
`test_every_api_operation_has_an_access_rule`. The rules themselves live in each app's
access.py (mamori.access); these tables are what a user of each kind gets from them.

Personas (lib/testing.py builds most of them through the real actions):
  anonymous     nobody signed in
  staff_a       staff of unit A (市民課), the requester and reporter of the samples
  staff_b       staff of unit B (税務課), another unit of the same department
  staff_other   staff of another 局 (情報システム課 of まちづくり政策局)
  kacho_a       head of unit A: its 情報管理者, on the incident chain, keeps its ledger
  bureau_head   局長 of まちづくり政策局 (局(区)情報管理者), not of unit A's department
  ciso          the CISO: an incident responder and the role the audit and review rules name
                (the security office)
  csirt_lead    the CSIRT責任者 (head of 行政デジタル推進課): a responder, keeps that 課's ledger
  auditor       application role auditor, designated to audit
  admin         system administrator
"""

import datetime as dt
import importlib
import io
import tempfile
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mamori.accounts.actions import create_api_token, create_user
from mamori.api import api
from mamori.approvals.testing import sample_request
from mamori.inspections.testing import sample_inspection
from mamori.ledger.models import ImportJob, InformationAsset
from mamori.lib.testing import IN, NF, NO, OK, PASSWORD, POST, SendaiTestCase, build_ledger
from mamori.org.actions import hire_person, record_absence
from mamori.org.models import EmploymentType
from mamori.policy.rules import active_context
from mamori.trail.models import Event

PERSONAS = (
    "anonymous",
    "staff_a",
    "staff_b",
    "staff_other",
    "kacho_a",
    "bureau_head",
    "ciso",
    "csirt_lead",
    "auditor",
    "admin",
)


def _incident(p) -> list[int]:
    """An incident staff_a reported: its chain tells kacho_a, 情報管理者 of unit A."""
    from mamori.incidents.actions.reporting import report_incident
    from mamori.incidents.models import Incident
    from mamori.lib import clock

    incident = Incident.objects.order_by("pk").first() or report_incident(
        actor=p.staff_a,
        type_code="loss",
        detection="staff",
        detected_at=clock.now(),
        description="USBメモリの紛失",
    )
    return [incident.pk]


def _task(p) -> int:
    """A response task of the incident, owned by kacho_a."""
    from mamori.incidents.actions.handling import add_task
    from mamori.incidents.models import ResponseTask

    found = ResponseTask.objects.order_by("pk").first()
    if found is None:
        incident = _incident_object(p)
        found = add_task(
            incident,
            actor=p.kacho_a,
            title="端末の確認",
            owner=p.person_kacho_a,
            due_date=dt.date(2099, 1, 31),
        )
    return found.pk


def _designation(p) -> int:
    """The 副情報管理者 designation of unit A (lib/testing.py)."""
    from mamori.policy.models import RoleDesignation

    return RoleDesignation.objects.get(role_key="deputy_info_manager", unit=p.unit_a).pk


def _step(p) -> int:
    """The pending step of the sample request."""
    from mamori.approvals.models import ApprovalStep

    return ApprovalStep.objects.filter(request_id=sample_request(p)).order_by("pk").first().pk


def _legal_report(p) -> list[int]:
    """The incident with a required reporting decision (by the CSIRT責任者: sensitive personal
    information) and the draft of its first report (速報)."""
    from mamori.incidents.actions import privacy as legal
    from mamori.incidents.models import LegalReport
    from mamori.incidents.privacy import Answers

    incident = _incident_object(p)
    report = LegalReport.objects.filter(incident=incident).first()
    if report is None:
        legal.decide_reporting(
            incident,
            actor=p.csirt_lead,
            known_on=legal.known_day(incident),
            answers=Answers(personal_data=True, sensitive=True, persons=3),
        )
        report = legal.save_legal_report(
            incident, actor=p.csirt_lead, stage="first", summary="USBメモリの紛失"
        )
    return [incident.pk, report.pk]


def _incident_object(p):
    from mamori.incidents.models import Incident

    return Incident.objects.get(pk=_incident(p)[0])


# url name -> (how to build its arguments, GET outcome per persona in PERSONAS order)
ACCESS = {
    "core:home": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "core:healthz": (lambda p: [], [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "accounts:login": (lambda p: [], [OK, 302, 302, 302, 302, 302, 302, 302, 302, 302]),
    "accounts:login_otp": (lambda p: [], [IN, IN, IN, IN, IN, IN, IN, IN, IN, IN]),
    "accounts:logout": (lambda p: [], [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
    "accounts:password_change": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "accounts:two_factor": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "accounts:user_list": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "accounts:user_create": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "accounts:user_detail": (lambda p: [p.staff_a.pk], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "accounts:user_set_password": (
        lambda p: [p.staff_a.pk],
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST],
    ),
    "accounts:user_unlock": (lambda p: [p.staff_a.pk], [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST]),
    "accounts:user_reset_otp": (
        lambda p: [p.staff_a.pk],
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST],
    ),
    "org:unit_tree": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "org:unit_detail": (lambda p: [p.unit_a.code], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "org:unit_create": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "org:unit_edit": (lambda p: [p.unit_a.code], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "org:unit_close": (lambda p: [p.unit_a.code], [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST]),
    "org:person_search": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    # A colleague's personnel record in unit A: unit A and its head see it, other units do not.
    "org:person_detail": (
        lambda p: [p.person_colleague_a.pk],
        [IN, OK, NF, NF, OK, NF, NF, NF, OK, OK],
    ),
    "org:person_create": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "org:person_edit": (lambda p: [p.person_staff_a.pk], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "org:person_transfer": (
        lambda p: [p.person_staff_a.pk],
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK],
    ),
    "org:person_retire": (
        lambda p: [p.person_staff_a.pk],
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK],
    ),
    # The trail: administrators and auditors only.
    "trail:list": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, OK, OK]),
    "trail:detail": (lambda p: [1], [IN, NO, NO, NO, NO, NO, NO, NO, OK, OK]),
    "set_language": (lambda p: [], [302, 302, 302, 302, 302, 302, 302, 302, 302, 302]),
    "org:absence_create": (
        lambda p: [p.person_staff_a.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "org:absence_cancel": (
        lambda p: [p.person_staff_a.pk, p.absence.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "policy:home": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "policy:activate": (lambda p: [p.version.pk], [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST]),
    "policy:document": (
        lambda p: [p.version.pk, "policy"],
        [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK],
    ),
    "policy:obligations": (lambda p: [p.version.pk], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "policy:mine": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "policy:roles": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "policy:designation_create": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST]),
    "policy:designation_end": (
        lambda p: [_designation(p)],
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST],
    ),
    "policy:classification": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "policy:diff": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "public:public": (lambda p: ["sendai"], [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    # Ledgers: unit A's entries are seen by unit A, organization-wide roles and auditors, kept by
    # the 情報管理者 of unit A (kacho_a); csirt_lead keeps their own 課's ledger.
    "ledger:home": (lambda p: [], [IN, 302, 302, 302, 302, 302, 302, 302, 302, 302]),
    "ledger:asset_list": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "ledger:asset_create": (lambda p: [], [IN, NO, NO, NO, OK, NO, NO, OK, NO, OK]),
    "ledger:asset_export": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "ledger:asset_template": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "ledger:import_start": (lambda p: [], [IN, NO, NO, NO, OK, NO, NO, OK, NO, OK]),
    # An import job is seen by the person who uploaded it only.
    "ledger:import_job": (lambda p: [p.job.pk], [IN, NF, NF, NF, OK, NF, NF, NF, NF, NF]),
    "ledger:import_commit": (
        lambda p: [p.job.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "ledger:asset_detail": (lambda p: [p.asset_a.pk], [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK]),
    "ledger:asset_edit": (lambda p: [p.asset_a.pk], [IN, NO, NF, NF, OK, NF, NO, NO, NO, OK]),
    "ledger:system_list": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "ledger:system_create": (lambda p: [], [IN, NO, NO, NO, OK, NO, NO, OK, NO, OK]),
    "ledger:system_detail": (lambda p: [p.system_a.pk], [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK]),
    "ledger:system_edit": (lambda p: [p.system_a.pk], [IN, NO, NF, NF, OK, NF, NO, NO, NO, OK]),
    "ledger:system_software": (
        lambda p: [p.system_a.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "ledger:system_connection": (
        lambda p: [p.system_a.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "ledger:system_record": (
        lambda p: [p.system_a.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "ledger:reviews": (lambda p: [], [IN, NO, NO, NO, OK, NO, OK, OK, OK, OK]),
    # Incidents: the reporter (staff_a), the chain (kacho_a), the responders (CISO, CSIRT) and
    # auditors see one; the administrator is not incident staff.
    "incidents:list": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "incidents:report": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "incidents:dashboard": (lambda p: [], [IN, NO, NO, NO, NO, NO, OK, OK, OK, NO]),
    "incidents:contact_tree": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "incidents:plan": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "incidents:plan_edit": (lambda p: [], [IN, NO, NO, NO, NO, NO, OK, OK, NO, NO]),
    "incidents:detail": (_incident, [IN, OK, NF, NF, OK, NF, OK, OK, OK, NF]),
    "incidents:print": (_incident, [IN, OK, NF, NF, OK, NF, OK, OK, OK, NF]),
    "incidents:pdf": (_incident, [IN, OK, NF, NF, OK, NF, OK, OK, OK, NF]),
    "incidents:report_edit": (_incident, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    "incidents:acknowledge": (
        _incident,
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "incidents:escalate": (_incident, [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
    "incidents:assess": (_incident, [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
    "incidents:affected_add": (
        _incident,
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "incidents:note": (_incident, [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
    "incidents:record_add": (_incident, [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
    "incidents:task_add": (_incident, [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
    "incidents:task_done": (
        lambda p: _incident(p) + [_task(p)],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "incidents:status": (_incident, [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
    "incidents:public_notice": (
        _incident,
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "incidents:close": (_incident, [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
    "incidents:reopen": (_incident, [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
    # A leak of personal information: handled as the incident (responders and the chain);
    # read by whoever sees the incident; the register by the responders and auditors.
    "incidents:legal_register": (lambda p: [], [IN, NO, NO, NO, NO, NO, OK, OK, OK, NO]),
    "incidents:privacy": (
        lambda p: _legal_report(p)[:1],
        [IN, OK, NF, NF, OK, NF, OK, OK, OK, NF],
    ),
    "incidents:privacy_decide": (
        _incident,
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "incidents:legal_report_edit": (
        lambda p: [_legal_report(p)[0], "first"],
        [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF],
    ),
    "incidents:legal_report_send": (
        _legal_report,
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "incidents:legal_report_pdf": (_legal_report, [IN, OK, NF, NF, OK, NF, OK, OK, OK, NF]),
    "incidents:legal_report_xlsx": (_legal_report, [IN, OK, NF, NF, OK, NF, OK, OK, OK, NF]),
    "incidents:person_notice_add": (
        _incident,
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "incidents:notice_letter": (_incident, [IN, OK, NF, NF, OK, NF, OK, OK, OK, NF]),
    # Compliance: a 課長 or 局長 their units' share; the whole organization for the CISO, the
    # CSIRT, auditors and administrators, who alone get the review material.
    "compliance:home": (lambda p: [], [IN, NO, NO, NO, OK, OK, OK, OK, OK, OK]),
    "compliance:findings": (lambda p: [], [IN, NO, NO, NO, OK, OK, OK, OK, OK, OK]),
    "compliance:in_progress": (lambda p: ["requests"], [IN, NO, NO, NO, OK, OK, OK, OK, OK, OK]),
    "compliance:review": (lambda p: [], [IN, NO, NO, NO, NO, NO, OK, OK, OK, OK]),
    # Requests: a take-out filed by staff_a (unit A), waiting for kacho_a.
    "approvals:inbox": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "approvals:new": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "approvals:create": (lambda p: ["take_out"], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "approvals:routes": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "approvals:registers": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "approvals:register": (lambda p: ["take_out"], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "approvals:register_export": (lambda p: ["take_out"], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "approvals:detail": (lambda p: [sample_request(p)], [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK]),
    # Only the requester changes a request, and only a draft or one sent back (else → detail).
    "approvals:edit": (lambda p: [sample_request(p)], [IN, 302, NF, NF, NO, NF, NO, NO, NO, NO]),
    "approvals:submit": (
        lambda p: [sample_request(p)],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "approvals:decide": (
        lambda p: [sample_request(p)],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "approvals:withdraw": (
        lambda p: [sample_request(p)],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "approvals:report": (
        lambda p: [sample_request(p)],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "approvals:acknowledge": (
        lambda p: [sample_request(p)],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "approvals:update_ledger": (
        lambda p: [sample_request(p)],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    # Not approved yet: nothing to complete (→ detail); outsiders do not see it.
    "approvals:complete": (
        lambda p: [sample_request(p)],
        [IN, 302, NF, NF, 302, NF, 302, 302, 302, 302],
    ),
    "approvals:reroute": (
        lambda p: [sample_request(p), _step(p)],
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST],
    ),
    "approvals:pdf": (lambda p: [sample_request(p)], [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK]),
    # Self-inspections and audits: the security office (CISO, CSIRT, administrators) runs them;
    # auditors read; a unit sees its own checklist; the audit plan is the auditors' and the
    # office's; unit B answers the follow-up of a finding about unit A.
    "inspections:home": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "inspections:campaign_create": (lambda p: [], [IN, NO, NO, NO, NO, NO, OK, OK, NO, OK]),
    "inspections:campaign": (
        lambda p: [sample_inspection(p).campaign.pk],
        [IN, NO, NO, NO, NO, NO, OK, OK, OK, OK],
    ),
    "inspections:campaign_change": (
        lambda p: [sample_inspection(p).campaign.pk],
        [IN, NO, NO, NO, NO, NO, OK, OK, NO, OK],
    ),
    "inspections:campaign_launch": (
        lambda p: [sample_inspection(p).campaign.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "inspections:campaign_close": (
        lambda p: [sample_inspection(p).campaign.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "inspections:campaign_report": (
        lambda p: [sample_inspection(p).campaign.pk],
        [IN, NO, NO, NO, NO, NO, OK, OK, OK, OK],
    ),
    "inspections:campaign_pdf": (
        lambda p: [sample_inspection(p).campaign.pk],
        [IN, NO, NO, NO, NO, NO, OK, OK, OK, OK],
    ),
    "inspections:campaign_export": (
        lambda p: [sample_inspection(p).campaign.pk],
        [IN, NO, NO, NO, NO, NO, OK, OK, OK, OK],
    ),
    "inspections:mine": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "inspections:checklist": (
        lambda p: [sample_inspection(p).checklist.pk],
        [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK],
    ),
    "inspections:checklist_answer": (
        lambda p: [sample_inspection(p).checklist.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "inspections:question_add": (
        lambda p: [sample_inspection(p).checklist.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "inspections:question_edit": (
        lambda p: [sample_inspection(p).question.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "inspections:answer_evidence": (
        lambda p: [sample_inspection(p).answer.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "inspections:evidence": (
        lambda p: [sample_inspection(p).evidence.pk],
        [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK],
    ),
    "inspections:actions": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "inspections:action": (
        lambda p: [sample_inspection(p).action.pk],
        [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK],
    ),
    "inspections:audits": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "inspections:audit_create": (lambda p: [], [IN, NO, NO, NO, NO, NO, OK, OK, NO, OK]),
    "inspections:audit": (
        lambda p: [sample_inspection(p).plan.pk],
        [IN, NF, NF, NF, NF, NF, OK, OK, OK, OK],
    ),
    "inspections:audit_report": (
        lambda p: [sample_inspection(p).plan.pk],
        [IN, NF, NF, NF, NF, NF, OK, OK, OK, OK],
    ),
    "inspections:finding": (
        lambda p: [sample_inspection(p).finding.pk],
        [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK],
    ),
    "inspections:follow_ups": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "inspections:follow_up": (
        lambda p: [sample_inspection(p).follow_up.pk],
        [IN, NF, OK, NF, NF, NF, OK, OK, OK, OK],
    ),
}


def _evidence_file(_p) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("記録.txt", b"record")}


# url name -> (the data posted, POST outcome per persona in PERSONAS order)
POSTS = {
    "accounts:user_set_password": (
        lambda p: {"password": "Another-Horse-Battery-7"},
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, 302],
    ),
    "accounts:user_unlock": (lambda p: {}, [IN, NO, NO, NO, NO, NO, NO, NO, NO, 302]),
    "accounts:user_reset_otp": (lambda p: {}, [IN, NO, NO, NO, NO, NO, NO, NO, NO, 302]),
    "org:unit_close": (
        lambda p: {"closed_on": "2099-03-31"},
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, 302],
    ),
    "org:absence_create": (
        lambda p: {"start_date": "2099-09-01", "end_date": "2099-09-02", "reason": "研修"},
        [IN, 302, NF, NF, 302, NF, NF, NF, NO, 302],
    ),
    "org:absence_cancel": (lambda p: {}, [IN, 302, NF, NF, 302, NF, NF, NF, NO, 302]),
    "policy:activate": (lambda p: {}, [IN, NO, NO, NO, NO, NO, NO, NO, NO, 302]),
    "policy:designation_create": (lambda p: {}, [IN, NO, NO, NO, NO, NO, NO, NO, NO, 302]),
    "policy:designation_end": (lambda p: {}, [IN, NO, NO, NO, NO, NO, NO, NO, NO, 302]),
    "ledger:import_commit": (lambda p: {}, [IN, NF, NF, NF, 302, NF, NF, NF, NF, NF]),
    "ledger:system_software": (
        lambda p: {"name": "OS", "version": "1"},
        [IN, NO, NF, NF, 302, NF, NO, NO, NO, 302],
    ),
    "ledger:system_connection": (lambda p: {}, [IN, NO, NF, NF, 302, NF, NO, NO, NO, 302]),
    "ledger:system_record": (lambda p: {}, [IN, NO, NF, NF, 302, NF, NO, NO, NO, 302]),
    "incidents:acknowledge": (lambda p: {}, [IN, NO, NF, NF, 302, NF, NO, NO, NO, NF]),
    "incidents:escalate": (lambda p: {}, [IN, NO, NF, NF, 302, NF, 302, 302, NO, NF]),
    "incidents:assess": (lambda p: {}, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    "incidents:affected_add": (lambda p: {}, [IN, NO, NF, NF, 302, NF, 302, 302, NO, NF]),
    "incidents:note": (
        lambda p: {"text": "確認しました"},
        [IN, 302, NF, NF, 302, NF, 302, 302, NO, NF],
    ),
    "incidents:record_add": (lambda p: {}, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    "incidents:task_add": (lambda p: {}, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    "incidents:task_done": (lambda p: {}, [IN, NO, NF, NF, 302, NF, 302, 302, NO, NF]),
    "incidents:status": (lambda p: {}, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    "incidents:public_notice": (lambda p: {}, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    "incidents:close": (lambda p: {}, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    "incidents:reopen": (lambda p: {}, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    # Empty forms: the decision and the send need a day, the notice its details (the form again).
    "incidents:privacy_decide": (lambda p: {}, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    "incidents:legal_report_edit": (lambda p: {}, [IN, NO, NF, NF, 302, NF, 302, 302, NO, NF]),
    "incidents:legal_report_send": (lambda p: {}, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    "incidents:person_notice_add": (lambda p: {}, [IN, NO, NF, NF, OK, NF, OK, OK, NO, NF]),
    "approvals:submit": (lambda p: {}, [IN, 302, NF, NF, NO, NF, NO, NO, NO, NO]),
    "approvals:decide": (
        lambda p: {"decision": "approve"},
        [IN, NO, NF, NF, 302, NF, NO, NO, NO, NO],
    ),
    "approvals:withdraw": (lambda p: {}, [IN, 302, NF, NF, NO, NF, NO, NO, NO, NO]),
    "approvals:report": (lambda p: {}, [IN, 302, NF, NF, NO, NF, NO, NO, NO, NO]),
    "approvals:acknowledge": (lambda p: {}, [IN, 302, NF, NF, 302, NF, 302, 302, 302, 302]),
    "approvals:update_ledger": (lambda p: {}, [IN, 302, NF, NF, 302, NF, 302, 302, 302, 302]),
    "approvals:reroute": (
        lambda p: {"reason": "人事異動"},
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, 302],
    ),
    "inspections:campaign_launch": (lambda p: {}, [IN, NO, NO, NO, NO, NO, 302, 302, NO, 302]),
    "inspections:campaign_close": (lambda p: {}, [IN, NO, NO, NO, NO, NO, 302, 302, NO, 302]),
    "inspections:checklist_answer": (lambda p: {}, [IN, NO, NF, NF, 302, NF, 302, 302, NO, 302]),
    "inspections:question_add": (lambda p: {}, [IN, NO, NF, NF, NO, NF, 302, 302, NO, 302]),
    "inspections:question_edit": (
        lambda p: {"text": "改めた設問"},
        [IN, NO, NO, NO, NO, NO, 302, 302, NO, 302],
    ),
    "inspections:answer_evidence": (_evidence_file, [IN, NO, NF, NF, 302, NF, 302, 302, NO, 302]),
}


def _app_matrices() -> list:
    """Each installed mamori app's tests/access_matrix.py, when it has one."""
    found = []
    for config in apps.get_app_configs():
        if config.name.startswith("mamori."):
            try:
                found.append(importlib.import_module(f"{config.name}.tests.access_matrix"))
            except ModuleNotFoundError as error:
                if error.name not in (f"{config.name}.tests", f"{config.name}.tests.access_matrix"):
                    raise
    return found


def _prepare_apps(p) -> None:
    for module in _app_matrices():
        if hasattr(module, "prepare"):
            module.prepare(p)


def _all_url_names(resolver=None, namespace="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _all_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def build_matrix_personas(p):
    """The personas of the table that SendaiTestCase does not build, through the real actions."""
    other = hire_person(
        employee_no="T0201",
        name="他局 七郎",
        name_kana="たきょく しちろう",
        employment_type=EmploymentType.REGULAR,
        unit=p.network_unit,
        position=p.pos_staff,
        start_date=dt.date(2015, 4, 1),
        actor=None,
    )
    p.staff_other = create_user(username="staff_other", password=PASSWORD, person=other, actor=None)
    p.bureau_head = create_user(
        username="kyokucho", password=PASSWORD, person=p.person_bureau_head, actor=None
    )
    return p


class AccessMatrixTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_matrix_personas(cls.p)
        build_ledger(cls.p)
        _prepare_apps(cls.p)
        cls.p.job = ImportJob(created_by=cls.p.kacho_a, file_name="台帳.csv", status="checked")
        cls.p.job.file.save("access.csv", ContentFile(b"x"), save=False)
        cls.p.job.save()
        cls.p.absence = record_absence(
            cls.p.person_staff_a,
            start_date=dt.date(2099, 8, 1),
            end_date=dt.date(2099, 8, 3),
            reason="夏季休暇",
            actor=None,
        )

    def persona(self, name):
        return None if name == "anonymous" else getattr(self.p, name)

    def test_every_view_has_an_access_rule(self):
        screens = {name for name in _all_url_names() if not name.startswith("api:")}
        self.assertEqual(sorted(screens - set(ACCESS)), [])

    def test_each_persona_gets_what_the_rule_says(self):
        for name, (args, outcomes) in ACCESS.items():
            url = reverse(name, args=args(self.p))
            for persona, expected in zip(PERSONAS, outcomes, strict=True):
                with self.subTest(view=name, persona=persona):
                    self.sign_in(self.persona(persona))
                    response = self.client.get(url)
                    if expected == IN:
                        self.assertEqual(response.status_code, 302)
                        self.assertTrue(response["Location"].startswith(reverse("accounts:login")))
                    else:
                        self.assertEqual(response.status_code, expected)

    def test_each_persona_gets_what_the_rule_says_when_posting(self):
        """Posting to the views that change something: 302 done (or refused for a reason of
        state, told on the page), 200 the form again with its errors, 403 refused, 404 not
        theirs to see. Each post is rolled back, so that the next persona finds the same."""
        for name, (data, outcomes) in POSTS.items():
            url = reverse(name, args=ACCESS[name][0](self.p))
            for persona, expected in zip(PERSONAS, outcomes, strict=True):
                with self.subTest(view=name, persona=persona), transaction.atomic():
                    self.sign_in(self.persona(persona))
                    response = self.client.post(url, data(self.p))
                    if expected == IN:
                        self.assertEqual(response.status_code, 302)
                        self.assertTrue(response["Location"].startswith(reverse("accounts:login")))
                    else:
                        self.assertEqual(response.status_code, expected)
                    transaction.set_rollback(True)

    def test_every_view_that_only_takes_posts_has_a_post_rule(self):
        post_only = {name for name, (_args, outcomes) in ACCESS.items() if POST in outcomes}
        self.assertEqual(sorted(post_only - set(POSTS) - {"accounts:logout"}), [])

    def test_refusals_of_authority_are_in_the_trail(self):
        self.sign_in(self.p.staff_b)
        self.client.get(reverse("accounts:user_list"))
        event = Event.objects.filter(action="access.denied").latest("seq")
        self.assertEqual(event.actor_id, self.p.staff_b.pk)
        self.assertIn("/accounts/users/", event.after["what"])

    def test_opening_another_unit_s_record_is_in_the_trail_and_says_nothing_of_it(self):
        self.sign_in(self.p.staff_b)
        before = Event.objects.filter(action="access.denied").count()
        response = self.client.get(reverse("ledger:asset_detail", args=[self.p.asset_a.pk]))
        self.assertEqual(response.status_code, 404)
        missing = self.client.get(reverse("ledger:asset_detail", args=[99999999]))
        self.assertEqual(missing.status_code, 404)
        self.assertNotContains(response, self.p.asset_a.name, status_code=404)
        # The attempt on an entry that exists is written down; a number that does not is not.
        self.assertEqual(Event.objects.filter(action="access.denied").count(), before + 1)

    def test_an_entry_s_history_is_shown_to_its_keepers_auditors_and_administrators(self):
        from mamori.ledger import actions

        actions.change_asset(
            self.p.asset_a, actor=self.p.kacho_a, context=active_context(), location="書庫2"
        )
        url = reverse("ledger:asset_detail", args=[self.p.asset_a.pk])
        for persona, shown in (
            ("staff_a", False),
            ("ciso", False),
            ("kacho_a", True),
            ("auditor", True),
            ("admin", True),
        ):
            with self.subTest(persona=persona):
                self.sign_in(self.persona(persona))
                history = self.client.get(url).context["history"]
                self.assertEqual(bool(history), shown)


# API operations: (method, path built from the personas, body or None, outcome per persona).
# Anonymous callers get 401; each call runs in a transaction rolled back afterwards, so that
# one persona's change (an acknowledgement, a decision) does not change the next one's answer.
API = {
    "list assets": ("get", lambda p: "/api/v1/ledger/assets", None, [401] + [OK] * 9),
    "one asset": (
        "get",
        lambda p: f"/api/v1/ledger/assets/{p.asset_a.pk}",
        None,
        [401, OK, NF, NF, OK, NF, OK, OK, OK, OK],
    ),
    "list systems": ("get", lambda p: "/api/v1/ledger/systems", None, [401] + [OK] * 9),
    "one system": (
        "get",
        lambda p: f"/api/v1/ledger/systems/{p.system_a.pk}",
        None,
        [401, OK, NF, NF, OK, NF, OK, OK, OK, OK],
    ),
    "incident kinds": ("get", lambda p: "/api/v1/incidents/types", None, [401] + [OK] * 9),
    "list incidents": ("get", lambda p: "/api/v1/incidents/", None, [401] + [OK] * 9),
    "report an incident": (
        "post",
        lambda p: "/api/v1/incidents/",
        lambda p: {
            "type": "loss",
            "detection": "staff",
            "detected_at": "2026-12-01T09:00:00+09:00",
            "description": "書類の紛失",
        },
        [401] + [201] * 9,
    ),
    "one incident": (
        "get",
        lambda p: f"/api/v1/incidents/{_incident(p)[0]}",
        None,
        [401, OK, NF, NF, OK, NF, OK, OK, OK, NF],
    ),
    "acknowledge an incident": (
        "post",
        lambda p: f"/api/v1/incidents/{_incident(p)[0]}/acknowledge",
        lambda p: {},
        [401, NO, NF, NF, OK, NF, NO, NO, NO, NF],
    ),
    "guidance": (
        "get",
        lambda p: "/api/v1/approvals/guidance?kind=take_out",
        None,
        [401] + [OK] * 9,
    ),
    "list requests": ("get", lambda p: "/api/v1/approvals/requests", None, [401] + [OK] * 9),
    "one request": (
        "get",
        lambda p: f"/api/v1/approvals/requests/{sample_request(p)}",
        None,
        [401, OK, NF, NF, OK, NF, OK, OK, OK, OK],
    ),
    "file a request on unit A's asset": (
        "post",
        lambda p: "/api/v1/approvals/requests",
        lambda p: {
            "kind": "take_out",
            "title": "持ち出し",
            "assets": [p.media_a.pk],
            "purpose": "説明会",
            "scheduled_at": "2099-04-01T10:00:00+09:00",
            "content": "資料",
            "person_in_charge": "担当",
            "destination": "市民センター",
            "return_date": "2099-04-02",
            "measures_confirmed": ["encryption_or_password"],
        },
        # 422: the asset is not theirs to see (refused at its field), or nobody holds the
        # approving role for their own unit (the CISO's 局, the administrator's 課).
        [401, 201, 422, 422, 201, 422, 422, 201, 422, 422],
    ),
    "decide a request": (
        "post",
        lambda p: f"/api/v1/approvals/requests/{sample_request(p)}/actions",
        lambda p: {"action": "approve"},
        [401, NO, NF, NF, OK, NF, NO, NO, NO, NO],
    ),
}


for _module in _app_matrices():
    for _table, _extra in (
        (ACCESS, getattr(_module, "ACCESS", {})),
        (POSTS, getattr(_module, "POSTS", {})),
        (API, getattr(_module, "API", {})),
    ):
        assert not set(_table) & set(_extra), f"{_module.__name__} repeats a row"
        _table.update(_extra)


class ApiAccessMatrixTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_matrix_personas(cls.p)
        build_ledger(cls.p)
        _prepare_apps(cls.p)
        cls.keys = {
            name: create_api_token(getattr(cls.p, name), name="matrix", actor=None)[1]
            for name in PERSONAS
            if name != "anonymous"
        }

    def test_every_api_operation_has_an_access_rule(self):
        schema = api.get_openapi_schema()
        operations = sum(len(methods) for methods in schema["paths"].values())
        self.assertEqual(operations, len(API))

    def test_each_persona_gets_what_the_rule_says(self):
        for name, (method, path, body, outcomes) in API.items():
            url = path(self.p)
            data = body(self.p) if body is not None else None
            for persona, expected in zip(PERSONAS, outcomes, strict=True):
                with self.subTest(operation=name, persona=persona), transaction.atomic():
                    headers = {}
                    if persona != "anonymous":
                        headers["HTTP_AUTHORIZATION"] = f"Bearer {self.keys[persona]}"
                    if method == "get":
                        response = self.client.get(url, **headers)
                    else:
                        response = self.client.post(
                            url, data, content_type="application/json", **headers
                        )
                    self.assertEqual(response.status_code, expected, response.content[:300])
                    transaction.set_rollback(True)


class CommandAccessMatrixTests(SendaiTestCase):
    """`mamori ledger import --as USER` acts for a user: their units only. The other commands
    that change data (policy load/activate, apitoken, demo, synth, remind, backup, restore,
    createsuperuser) are the operator's, who has the server's shell; they take no --as."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_matrix_personas(cls.p)
        build_ledger(cls.p)

    def test_an_import_for_a_user_takes_only_the_rows_of_the_ledgers_they_keep(self):
        # 0: every row accepted; 1: refused ("found a problem": rows of a ledger not theirs).
        expected = {
            "staff_a": 1,
            "staff_b": 1,
            "staff_other": 1,
            "kacho_a": 0,
            "bureau_head": 1,
            "ciso": 1,
            "csirt_lead": 1,
            "auditor": 1,
            "admin": 0,
        }
        before = InformationAsset.objects.count()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "unit-a.csv"
            call_command(
                "ledger",
                "export",
                str(path),
                "--format",
                "csv",
                "--unit",
                self.p.unit_a.code,
                stdout=io.StringIO(),
            )
            for persona, code in expected.items():
                with self.subTest(persona=persona):
                    username = getattr(self.p, persona).username
                    try:
                        call_command(
                            "ledger",
                            "import",
                            str(path),
                            "--dry-run",
                            "--as",
                            username,
                            stdout=io.StringIO(),
                            stderr=io.StringIO(),
                        )
                        returned = 0
                    except CommandError as error:
                        returned = error.returncode
                    self.assertEqual(returned, code)
        self.assertEqual(InformationAsset.objects.count(), before)
