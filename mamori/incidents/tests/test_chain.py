"""The computed chains match the policies' clauses, on the demo organization (みどり市)
under each pack; deputies stand in for absent holders."""

import datetime as dt

from django.test import TestCase

from mamori.accounts.models import User
from mamori.demo.builder import DemoBuilder, apply_policy, demo_settings
from mamori.incidents.actions import reporting
from mamori.incidents.models import StepState
from mamori.incidents.tests.helpers import chain_of, people_of, report, system
from mamori.lib import clock
from mamori.org.actions import record_absence
from mamori.org.models import OrgUnit, Person
from mamori.policy.models import Clause
from mamori.policy.packs import _CITE, split_ref
from mamori.policy.rules import active_context


def build_demo(policy: str) -> dict[str, User]:
    DemoBuilder(structure=demo_settings(policy)["structure"]).build()
    apply_policy(policy)
    return {u.username: u for u in User.objects.select_related("person__unit")}


def clause_text(cite: str) -> str:
    found = _CITE.match(cite)
    version = active_context().version
    clause = Clause.objects.get(
        document__version=version,
        document__key=found.group("doc"),
        ref=split_ref(found.group("ref")),
    )
    return "".join(clause.text.split())  # the texts break 「CSIRT 管理者」 with spaces


def head_of(unit_name: str) -> str:
    return Person.objects.get(unit__name=unit_name, position__is_unit_head=True).name


class SendaiChainTests(TestCase):
    """仙台市 第2章(8)③: 情報管理者 → システム管理者 → 局(区)情報管理者 and CSIRT管理者
    → CSIRT責任者 → CISO."""

    @classmethod
    def setUpTestData(cls):
        cls.users = build_demo("sendai")
        cls.juki = system(
            "SYS-JUKI",
            "住民基本台帳システム",
            OrgUnit.objects.get(name="情報システム課"),
            important=True,
        )
        cls.booking = system(
            "SYS-YOYAKU", "窓口予約システム", OrgUnit.objects.get(name="戸籍住民課")
        )

    def name(self, username: str) -> str:
        return self.users[username].person.name

    def test_each_step_holds_the_roles_its_clause_names(self):
        rule = active_context().rules_of("incident_chain")[0]
        named = {
            # role key → how the clause writes the role
            "info_manager": "情報管理者へ",
            "system_manager": "システム管理者へ",
            "bureau_manager": "局（区）情報管理者及びCSIRT管理者へ",
            "csirt_manager": "CSIRT管理者へ",
            "csirt_lead": "CSIRT責任者へ",
            "ciso": "CISOに報告",
        }
        for step in rule.steps:
            text = clause_text(step.cite)
            for key in step.roles:
                with self.subTest(step=step.cite, role=key):
                    self.assertIn(named[key], text)
        self.assertIn("軽微", clause_text(rule.minor_cite))
        # The report's items are the three ・ of the clause the rule cites for them.
        items = (
            clause_text(rule.report_cite + " ・1")
            + clause_text(rule.report_cite + " ・2")
            + clause_text(rule.report_cite + " ・3")
        )
        self.assertIn("調査", clause_text(rule.report_cite))
        for item in ("セキュリティ障害の内容", "原因", "被害及び影響範囲"):
            self.assertIn(item, items)

    def test_a_serious_incident_on_an_important_system_goes_up_the_whole_chain(self):
        incident = report(
            self.users["shokuin"],
            type_code="leak",
            systems=[self.juki],
            severity="serious",
            wider_impact=True,
            serious_external_impact=True,
        )
        chain = chain_of(incident)
        self.assertEqual(
            [[c[0] for c in contacts] for _pos, _state, contacts in chain],
            [
                ["info_manager"],
                ["system_manager"],
                ["bureau_manager", "csirt_manager"],
                ["csirt_lead"],
                ["ciso"],
            ],
        )
        self.assertEqual(
            [[c[1] for c in contacts] for _pos, _state, contacts in chain],
            [
                [self.name("kacho")],
                [head_of("情報システム課")],
                [self.name("kyokucho"), self.name("shukan")],
                [self.name("csirt")],
                [self.name("ciso")],
            ],
        )
        # Only the first step is told; each acknowledgement tells the next.
        self.assertEqual(
            [state for _p, state, _c in chain_of(incident)],
            ["notified", "waiting", "waiting", "waiting", "waiting"],
        )
        network = User.objects.get(username="network")
        for user, expected in [
            (self.users["kacho"], ["acknowledged", "notified", "waiting", "waiting", "waiting"]),
            (network, ["acknowledged", "acknowledged", "notified", "waiting", "waiting"]),
            (
                self.users["kyokucho"],
                ["acknowledged", "acknowledged", "notified", "waiting", "waiting"],
            ),
            (self.users["shukan"], ["acknowledged"] * 3 + ["notified", "waiting"]),
            (self.users["csirt"], ["acknowledged"] * 4 + ["notified"]),
            (self.users["ciso"], ["acknowledged"] * 5),
        ]:
            with self.subTest(user=user.username):
                self.assertEqual(reporting.acknowledge(incident, actor=user), 1)
                self.assertEqual([state for _p, state, _c in chain_of(incident)], expected)

    def test_the_demo_shows_incidents_at_each_stage_and_adds_them_once(self):
        from mamori.incidents.demo import add_demo_incidents
        from mamori.incidents.models import Incident

        demo = list(Incident.objects.order_by("pk"))
        self.assertEqual([i.status for i in demo], ["closed", "investigating", "reported"])
        self.assertEqual(demo[1].steps.get(position=1).state, StepState.ACKNOWLEDGED)
        self.assertEqual(demo[2].steps.get(position=1).state, StepState.NOTIFIED)
        self.assertEqual(add_demo_incidents(), 0)

    def test_steps_whose_condition_does_not_apply_are_passed_over(self):
        # Not an important system, no wider or outside impact: 情報管理者, then the bureau.
        incident = report(self.users["shokuin"], systems=[self.booking])
        reporting.acknowledge(incident, actor=self.users["kacho"])
        self.assertEqual(
            [state for _p, state, _c in chain_of(incident)],
            ["acknowledged", "skipped", "notified", "waiting", "waiting"],
        )
        self.assertEqual(
            people_of(incident, 3), sorted([self.name("kyokucho"), self.name("shukan")])
        )
        for username in ("kyokucho", "shukan"):
            reporting.acknowledge(incident, actor=self.users[username])
        self.assertEqual(
            [state for _p, state, _c in chain_of(incident)],
            ["acknowledged", "skipped", "acknowledged", "skipped", "skipped"],
        )

    def test_a_minor_incident_is_not_reported_to_the_csirt_lead(self):
        # 第2章(8)③(ii)ウ: 軽微なものについては報告を要しない — even with a wider impact marked.
        incident = report(self.users["shokuin"], severity="minor", wider_impact=True)
        for username in ("kacho", "kyokucho", "shukan"):
            reporting.acknowledge(incident, actor=self.users[username])
        step = incident.steps.get(position=4)
        self.assertEqual((step.state, step.skip_reason), ("skipped", "minor"))

    def test_the_deputy_stands_in_for_an_absent_info_manager(self):
        kacho = self.users["kacho"].person
        today = clock.today()
        record_absence(kacho, start_date=today, end_date=today, reason="出張", actor=None)
        incident = report(self.users["shokuin"])
        _pos, state, contacts = chain_of(incident)[0]
        self.assertEqual(state, StepState.NOTIFIED)
        self.assertEqual(
            contacts,
            [
                ("info_manager", kacho.name, None, True),
                ("info_manager", self.name("fuku"), kacho.name, False),
            ],
        )
        self.assertEqual(people_of(incident, 1), [self.name("fuku")])
        reporting.acknowledge(incident, actor=self.users["fuku"])
        self.assertEqual(incident.steps.get(position=1).state, StepState.ACKNOWLEDGED)

    def test_the_holder_back_from_absence_tomorrow_is_told_of_a_new_incident(self):
        kacho = self.users["kacho"].person
        today = clock.today()
        record_absence(kacho, start_date=today, end_date=today, reason="休暇", actor=None)
        tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(9))
        with clock.frozen(tomorrow):
            incident = report(self.users["shokuin"])
        self.assertEqual(people_of(incident, 1), [kacho.name])


class ChinoChainTests(TestCase):
    """茅野市 8(4)①: the unit's 情報セキュリティ管理者, the 情報システム管理者 and the
    情報セキュリティ統括管理者; as needed the 情報セキュリティ責任者 and 情報セキュリティ統括責任者;
    then the 最高情報統括責任者."""

    @classmethod
    def setUpTestData(cls):
        cls.users = build_demo("chino")
        cls.jukijoho = system(
            "SYS-JUMIN", "住民情報システム", OrgUnit.objects.get(name="情報政策課")
        )

    def name(self, username: str) -> str:
        return self.users[username].person.name

    def test_each_step_holds_the_roles_its_clause_names(self):
        rule = active_context().rules_of("incident_chain")[0]
        names = {role.key: role.name for role in active_context().roles.values()}
        for step in rule.steps:
            text = clause_text(step.cite)
            for key in step.roles:
                with self.subTest(step=step.cite, role=key):
                    self.assertIn(names[key], text)
        self.assertIn("必要に応じて", clause_text(rule.steps[1].cite))

    def test_the_chain_of_a_serious_incident(self):
        incident = report(
            self.users["shokuin"],
            type_code="infringement",
            systems=[self.jukijoho],
            severity="serious",
        )
        chain = chain_of(incident)
        self.assertEqual(
            [[(c[0], c[1]) for c in contacts] for _p, _s, contacts in chain],
            [
                [
                    ("security_manager", self.name("kacho")),
                    ("system_admin", head_of("情報政策課")),
                    ("security_coordinator", self.name("tokatsu")),
                ],
                [
                    ("department_officer", self.name("bucho")),
                    ("security_director", self.name("kikakubucho")),
                ],
                [("cio", self.name("shicho"))],
            ],
        )
        # The three of the first step are told together.
        self.assertEqual(len(people_of(incident, 1)), 3)
        for username in ("kacho", "tokatsu"):
            reporting.acknowledge(incident, actor=self.users[username])
        self.assertEqual(incident.steps.get(position=1).state, StepState.NOTIFIED)
        admin_head = User.objects.filter(person__name=head_of("情報政策課")).first()
        if admin_head is None:
            from mamori.demo.builder import ensure_account

            admin_head = ensure_account(
                "johoseisaku", Person.objects.get(name=head_of("情報政策課"))
            )
        reporting.acknowledge(incident, actor=admin_head)
        self.assertEqual(
            [state for _p, state, _c in chain_of(incident)], ["acknowledged", "notified", "waiting"]
        )
        for username in ("bucho", "kikakubucho"):
            reporting.acknowledge(incident, actor=self.users[username])
        self.assertEqual(people_of(incident, 3), [self.name("shicho")])

    def test_without_need_the_department_is_passed_over_and_the_cio_told(self):
        incident = report(self.users["shokuin"], type_code="accident")
        # No affected system: nobody holds 情報システム管理者 for it; the other two suffice.
        for username in ("kacho", "tokatsu"):
            reporting.acknowledge(incident, actor=self.users[username])
        self.assertEqual(
            [state for _p, state, _c in chain_of(incident)], ["acknowledged", "skipped", "notified"]
        )
        self.assertEqual(people_of(incident, 3), [self.name("shicho")])

    def test_the_deputy_cio_stands_in_for_an_absent_mayor(self):
        mayor = self.users["shicho"].person
        today = clock.today()
        record_absence(mayor, start_date=today, end_date=today, reason="海外出張", actor=None)
        incident = report(self.users["shokuin"], type_code="accident")
        for username in ("kacho", "tokatsu"):
            reporting.acknowledge(incident, actor=self.users[username])
        _pos, _state, contacts = chain_of(incident)[2]
        deputies = sorted(
            Person.objects.filter(position__name__in=["副市長", "教育長"]).values_list(
                "name", flat=True
            )
        )
        self.assertEqual(contacts[0], ("cio", mayor.name, None, True))
        self.assertEqual(sorted(c[1] for c in contacts[1:]), deputies)
        self.assertTrue(all(c[2] == mayor.name and not c[3] for c in contacts[1:]))
        self.assertEqual(people_of(incident, 3), deputies)
