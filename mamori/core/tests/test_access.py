"""Every view, tried as every persona and as nobody.

The table below must name every URL pattern of the project: a new view
without an access rule fails `test_every_view_has_an_access_rule`.
"""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mamori.approvals.testing import sample_request
from mamori.inspections.testing import sample_inspection
from mamori.lib.testing import SendaiTestCase, build_ledger

OK, DENIED, HIDDEN, LOGIN = 200, 403, 404, "login"
POST_ONLY = [LOGIN, 405, 405, 405, 405, 405]


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


PERSONAS = ["anonymous", "staff_b", "staff_a", "kacho_a", "auditor", "admin"]

# url name -> (how to build its arguments, GET outcome per persona in PERSONAS order)
ACCESS = {
    "core:home": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "core:healthz": (lambda p: [], [OK, OK, OK, OK, OK, OK]),
    "accounts:login": (lambda p: [], [OK, 302, 302, 302, 302, 302]),
    "accounts:login_otp": (lambda p: [], [302, 302, 302, 302, 302, 302]),
    "accounts:logout": (lambda p: [], [LOGIN, 405, 405, 405, 405, 405]),
    "accounts:password_change": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "accounts:two_factor": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "accounts:user_list": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, DENIED, OK]),
    "accounts:user_create": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, DENIED, OK]),
    "accounts:user_detail": (lambda p: [p.staff_a.pk], [LOGIN, DENIED, DENIED, DENIED, DENIED, OK]),
    "accounts:user_set_password": (
        lambda p: [p.staff_a.pk],
        [LOGIN, DENIED, DENIED, DENIED, DENIED, 405],
    ),
    "accounts:user_unlock": (
        lambda p: [p.staff_a.pk],
        [LOGIN, DENIED, DENIED, DENIED, DENIED, 405],
    ),
    "accounts:user_reset_otp": (
        lambda p: [p.staff_a.pk],
        [LOGIN, DENIED, DENIED, DENIED, DENIED, 405],
    ),
    "org:unit_tree": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "org:unit_detail": (lambda p: [p.unit_a.code], [LOGIN, OK, OK, OK, OK, OK]),
    "org:unit_create": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, DENIED, OK]),
    "org:unit_edit": (lambda p: [p.unit_a.code], [LOGIN, DENIED, DENIED, DENIED, DENIED, OK]),
    "org:unit_close": (lambda p: [p.unit_a.code], [LOGIN, DENIED, DENIED, DENIED, DENIED, 405]),
    "org:person_search": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    # A colleague's personnel record in unit A: unit A and its head see it, unit B does not.
    "org:person_detail": (lambda p: [p.person_colleague_a.pk], [LOGIN, HIDDEN, OK, OK, OK, OK]),
    "org:person_create": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, DENIED, OK]),
    "org:person_edit": (
        lambda p: [p.person_staff_a.pk],
        [LOGIN, DENIED, DENIED, DENIED, DENIED, OK],
    ),
    "org:person_transfer": (
        lambda p: [p.person_staff_a.pk],
        [LOGIN, DENIED, DENIED, DENIED, DENIED, OK],
    ),
    "org:person_retire": (
        lambda p: [p.person_staff_a.pk],
        [LOGIN, DENIED, DENIED, DENIED, DENIED, OK],
    ),
    "trail:list": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, OK, OK]),
    "trail:detail": (lambda p: [1], [LOGIN, DENIED, DENIED, DENIED, OK, OK]),
    "set_language": (lambda p: [], [302, 302, 302, 302, 302, 302]),
    "org:absence_create": (lambda p: [p.person_staff_a.pk], [LOGIN, 405, 405, 405, 405, 405]),
    "org:absence_cancel": (lambda p: [p.person_staff_a.pk, 1], [LOGIN, 405, 405, 405, 405, 405]),
    "policy:home": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "policy:activate": (lambda p: [p.version.pk], [LOGIN, DENIED, DENIED, DENIED, DENIED, 405]),
    "policy:document": (lambda p: [p.version.pk, "policy"], [LOGIN, OK, OK, OK, OK, OK]),
    "policy:obligations": (lambda p: [p.version.pk], [LOGIN, OK, OK, OK, OK, OK]),
    "policy:mine": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "policy:roles": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "policy:designation_create": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, DENIED, 405]),
    "policy:designation_end": (lambda p: [1], [LOGIN, DENIED, DENIED, DENIED, DENIED, 405]),
    "policy:classification": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "policy:diff": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "public:public": (lambda p: ["sendai"], [OK, OK, OK, OK, OK, OK]),
    # Ledgers: unit A's entries are seen by unit A and auditors, kept by its 情報管理者 (kacho_a).
    "ledger:home": (lambda p: [], [LOGIN, 302, 302, 302, 302, 302]),
    "ledger:asset_list": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "ledger:asset_create": (lambda p: [], [LOGIN, DENIED, DENIED, OK, DENIED, OK]),
    "ledger:asset_export": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "ledger:asset_template": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "ledger:import_start": (lambda p: [], [LOGIN, DENIED, DENIED, OK, DENIED, OK]),
    # An import job is seen by the person who uploaded it only.
    "ledger:import_job": (lambda p: [p.job.pk], [LOGIN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN]),
    "ledger:import_commit": (lambda p: [p.job.pk], [LOGIN, 405, 405, 405, 405, 405]),
    "ledger:asset_detail": (lambda p: [p.asset_a.pk], [LOGIN, HIDDEN, OK, OK, OK, OK]),
    "ledger:asset_edit": (lambda p: [p.asset_a.pk], [LOGIN, HIDDEN, DENIED, OK, DENIED, OK]),
    "ledger:system_list": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "ledger:system_create": (lambda p: [], [LOGIN, DENIED, DENIED, OK, DENIED, OK]),
    "ledger:system_detail": (lambda p: [p.system_a.pk], [LOGIN, HIDDEN, OK, OK, OK, OK]),
    "ledger:system_edit": (lambda p: [p.system_a.pk], [LOGIN, HIDDEN, DENIED, OK, DENIED, OK]),
    "ledger:system_software": (lambda p: [p.system_a.pk], [LOGIN, 405, 405, 405, 405, 405]),
    "ledger:system_connection": (lambda p: [p.system_a.pk], [LOGIN, 405, 405, 405, 405, 405]),
    "ledger:system_record": (lambda p: [p.system_a.pk], [LOGIN, 405, 405, 405, 405, 405]),
    "ledger:reviews": (lambda p: [], [LOGIN, DENIED, DENIED, OK, OK, OK]),
    # Incidents: the reporter (staff_a), the chain (kacho_a) and auditors see one; the
    # CSIRT and CISO too (not personas here); the administrator is not incident staff.
    "incidents:list": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "incidents:report": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "incidents:dashboard": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, OK, DENIED]),
    "incidents:contact_tree": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "incidents:plan": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "incidents:plan_edit": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, DENIED, DENIED]),
    "incidents:detail": (_incident, [LOGIN, HIDDEN, OK, OK, OK, HIDDEN]),
    "incidents:print": (_incident, [LOGIN, HIDDEN, OK, OK, OK, HIDDEN]),
    "incidents:pdf": (_incident, [LOGIN, HIDDEN, OK, OK, OK, HIDDEN]),
    "incidents:report_edit": (_incident, [LOGIN, HIDDEN, DENIED, OK, DENIED, HIDDEN]),
    "incidents:acknowledge": (_incident, POST_ONLY),
    "incidents:escalate": (_incident, POST_ONLY),
    "incidents:assess": (_incident, POST_ONLY),
    "incidents:affected_add": (_incident, POST_ONLY),
    "incidents:note": (_incident, POST_ONLY),
    "incidents:record_add": (_incident, POST_ONLY),
    "incidents:task_add": (_incident, POST_ONLY),
    "incidents:task_done": (lambda p: _incident(p) + [1], POST_ONLY),
    "incidents:status": (_incident, POST_ONLY),
    "incidents:public_notice": (_incident, POST_ONLY),
    "incidents:close": (_incident, POST_ONLY),
    "incidents:reopen": (_incident, POST_ONLY),
    # Compliance: the whole organization for admin, auditors (and the CISO, CSIRT); a
    # 課長 their units' share; the review material only for the whole organization.
    "compliance:home": (lambda p: [], [LOGIN, DENIED, DENIED, OK, OK, OK]),
    "compliance:findings": (lambda p: [], [LOGIN, DENIED, DENIED, OK, OK, OK]),
    "compliance:in_progress": (lambda p: ["requests"], [LOGIN, DENIED, DENIED, OK, OK, OK]),
    "compliance:review": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, OK, OK]),
    # Requests: a take-out filed by staff_a (unit A), waiting for kacho_a.
    "approvals:inbox": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "approvals:new": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "approvals:create": (lambda p: ["take_out"], [LOGIN, OK, OK, OK, OK, OK]),
    "approvals:routes": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, DENIED, OK]),
    "approvals:registers": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "approvals:register": (lambda p: ["take_out"], [LOGIN, OK, OK, OK, OK, OK]),
    "approvals:register_export": (lambda p: ["take_out"], [LOGIN, OK, OK, OK, OK, OK]),
    "approvals:detail": (lambda p: [sample_request(p)], [LOGIN, HIDDEN, OK, OK, OK, OK]),
    # Only the requester changes a request, and only a draft or one sent back (else → detail).
    "approvals:edit": (
        lambda p: [sample_request(p)],
        [LOGIN, HIDDEN, 302, DENIED, DENIED, DENIED],
    ),
    "approvals:submit": (lambda p: [sample_request(p)], [LOGIN, 405, 405, 405, 405, 405]),
    "approvals:decide": (lambda p: [sample_request(p)], [LOGIN, 405, 405, 405, 405, 405]),
    "approvals:withdraw": (lambda p: [sample_request(p)], [LOGIN, 405, 405, 405, 405, 405]),
    "approvals:report": (lambda p: [sample_request(p)], [LOGIN, 405, 405, 405, 405, 405]),
    "approvals:acknowledge": (lambda p: [sample_request(p)], [LOGIN, 405, 405, 405, 405, 405]),
    "approvals:update_ledger": (lambda p: [sample_request(p)], [LOGIN, 405, 405, 405, 405, 405]),
    # Not approved yet: nothing to complete (→ detail); outsiders do not see it.
    "approvals:complete": (lambda p: [sample_request(p)], [LOGIN, HIDDEN, 302, 302, 302, 302]),
    "approvals:reroute": (
        lambda p: [sample_request(p), 1],
        [LOGIN, DENIED, DENIED, DENIED, DENIED, 405],
    ),
    "approvals:pdf": (lambda p: [sample_request(p)], [LOGIN, HIDDEN, OK, OK, OK, OK]),
    # Self-inspections and audits: the security office (admin here) runs them; auditors
    # read; a unit sees its own checklist; the audit plan is the auditors' and the office's.
    "inspections:home": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "inspections:campaign_create": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, DENIED, OK]),
    "inspections:campaign": (
        lambda p: [sample_inspection(p).campaign.pk],
        [LOGIN, DENIED, DENIED, DENIED, OK, OK],
    ),
    "inspections:campaign_change": (
        lambda p: [sample_inspection(p).campaign.pk],
        [LOGIN, DENIED, DENIED, DENIED, DENIED, OK],
    ),
    "inspections:campaign_launch": (lambda p: [sample_inspection(p).campaign.pk], POST_ONLY),
    "inspections:campaign_close": (lambda p: [sample_inspection(p).campaign.pk], POST_ONLY),
    "inspections:campaign_report": (
        lambda p: [sample_inspection(p).campaign.pk],
        [LOGIN, DENIED, DENIED, DENIED, OK, OK],
    ),
    "inspections:campaign_pdf": (
        lambda p: [sample_inspection(p).campaign.pk],
        [LOGIN, DENIED, DENIED, DENIED, OK, OK],
    ),
    "inspections:campaign_export": (
        lambda p: [sample_inspection(p).campaign.pk],
        [LOGIN, DENIED, DENIED, DENIED, OK, OK],
    ),
    "inspections:mine": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "inspections:checklist": (
        lambda p: [sample_inspection(p).checklist.pk],
        [LOGIN, HIDDEN, OK, OK, OK, OK],
    ),
    "inspections:checklist_answer": (lambda p: [sample_inspection(p).checklist.pk], POST_ONLY),
    "inspections:question_add": (lambda p: [sample_inspection(p).checklist.pk], POST_ONLY),
    "inspections:question_edit": (lambda p: [sample_inspection(p).question.pk], POST_ONLY),
    "inspections:answer_evidence": (lambda p: [sample_inspection(p).answer.pk], POST_ONLY),
    "inspections:evidence": (
        lambda p: [sample_inspection(p).evidence.pk],
        [LOGIN, HIDDEN, OK, OK, OK, OK],
    ),
    "inspections:actions": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "inspections:action": (
        lambda p: [sample_inspection(p).action.pk],
        [LOGIN, HIDDEN, OK, OK, OK, OK],
    ),
    "inspections:audits": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    "inspections:audit_create": (lambda p: [], [LOGIN, DENIED, DENIED, DENIED, DENIED, OK]),
    "inspections:audit": (
        lambda p: [sample_inspection(p).plan.pk],
        [LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK],
    ),
    "inspections:audit_report": (
        lambda p: [sample_inspection(p).plan.pk],
        [LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK],
    ),
    "inspections:finding": (
        lambda p: [sample_inspection(p).finding.pk],
        [LOGIN, HIDDEN, OK, OK, OK, OK],
    ),
    "inspections:follow_ups": (lambda p: [], [LOGIN, OK, OK, OK, OK, OK]),
    # The follow-up is unit B's: unit A does not see it.
    "inspections:follow_up": (
        lambda p: [sample_inspection(p).follow_up.pk],
        [LOGIN, OK, HIDDEN, HIDDEN, OK, OK],
    ),
}


def _all_url_names(resolver=None, namespace="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _all_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


class AccessMatrixTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from django.core.files.base import ContentFile

        from mamori.ledger.models import ImportJob

        build_ledger(cls.p)
        cls.p.job = ImportJob(created_by=cls.p.kacho_a, file_name="台帳.csv", status="checked")
        cls.p.job.file.save("access.csv", ContentFile(b"x"), save=False)
        cls.p.job.save()

    def test_every_view_has_an_access_rule(self):
        # API endpoints are tried in each app's test_api (bearer tokens, 401 not redirects).
        screens = {name for name in _all_url_names() if not name.startswith("api:")}
        self.assertEqual(sorted(screens - set(ACCESS)), [])

    def test_each_persona_gets_what_the_rule_says(self):
        for name, (args, outcomes) in ACCESS.items():
            url = reverse(name, args=args(self.p))
            for persona, expected in zip(PERSONAS, outcomes, strict=True):
                with self.subTest(view=name, persona=persona):
                    self.sign_in(None if persona == "anonymous" else getattr(self.p, persona))
                    response = self.client.get(url)
                    if expected == LOGIN:
                        self.assertEqual(response.status_code, 302)
                        self.assertTrue(response["Location"].startswith(reverse("accounts:login")))
                    else:
                        self.assertEqual(response.status_code, expected)

    def test_refusals_of_authority_are_in_the_trail(self):
        from mamori.trail.models import Event

        self.sign_in(self.p.staff_b)
        self.client.get(reverse("accounts:user_list"))
        event = Event.objects.filter(action="access.denied").latest("seq")
        self.assertEqual(event.actor_id, self.p.staff_b.pk)
        self.assertIn("/accounts/users/", event.after["what"])
