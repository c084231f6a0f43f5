"""Notifications and `mamori remind`, delivered to a real SMTP server (aiosmtpd) on
localhost: what the approvers, requesters and escalation roles receive."""

import datetime as dt
import email
import email.policy
import socket
from io import StringIO

from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings

from mamori.accounts.actions import create_user
from mamori.approvals.actions import completions, decisions, filing
from mamori.approvals.events import ApprovalEvent
from mamori.approvals.testing import file_take_out, make_asset
from mamori.lib import clock
from mamori.lib.testing import PASSWORD, SendaiTestCase
from mamori.mail.models import OutboundMail
from mamori.org.actions import change_person, record_absence
from mamori.trail.models import Event


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address):
        return [m for rcpt, m in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailTestCase(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        for person, address in [
            (p.person_kacho_a, "kacho@city.example.jp"),
            (p.person_staff_a, "staff@city.example.jp"),
            (p.person_deputy_a, "fuku@city.example.jp"),
            (p.person_bureau_head, "kyokucho@city.example.jp"),
            (p.person_csirt_lead, "suishin@city.example.jp"),
            (p.person_csirt_staff, "taisaku@city.example.jp"),
        ]:
            change_person(person, email=address, actor=None)

    def setUp(self):
        self.smtp = Inbox()
        self.server = Controller(self.smtp, hostname="127.0.0.1", port=free_port())
        self.server.start()
        self.addCleanup(lambda: self.server.stop(no_assert=True))
        settings = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.server.port,
            EMAIL_USE_TLS=False,
            DEFAULT_FROM_EMAIL="mamori@city.example.jp",
            MAMORI_BASE_URL="https://mamori.city.example.jp",
        )
        settings.enable()
        self.addCleanup(settings.disable)
        self.asset = make_asset(self.p.unit_a, "II")

    def remind(self) -> str:
        out = StringIO()
        call_command("remind", stdout=out)
        return out.getvalue()


class NotificationTests(MailTestCase):
    def test_the_approver_is_asked_to_decide_and_the_requester_hears_the_decision(self):
        with self.captureOnCommitCallbacks(execute=True):
            request = file_take_out(self.p.staff_a, [self.asset])
        [message] = self.smtp.to("kacho@city.example.jp")
        self.assertIn("決裁依頼", message["Subject"])
        self.assertIn(request.reference, message["Subject"])
        body = message.get_content()
        self.assertIn("情報管理者としてのあなたの決裁を待っている申請があります。", body)
        self.assertIn(f"https://mamori.city.example.jp/requests/{request.pk}/", body)
        self.assertIn("佐藤 花子（市民課）", body)
        self.assertEqual(message["From"], "mamori@city.example.jp")

        with self.captureOnCommitCallbacks(execute=True):
            decisions.decide(request, actor=self.p.kacho_a, decision="approve", comment="了承")
        [message] = self.smtp.to("staff@city.example.jp")
        self.assertIn("承認されました", message["Subject"])
        self.assertIn("山田 太郎により承認されました", message.get_content())
        self.assertFalse(OutboundMail.objects.pending().exists())

    def test_when_the_kacho_is_absent_the_deputy_is_told_too(self):
        record_absence(
            self.p.person_kacho_a,
            start_date=clock.today(),
            end_date=clock.today(),
            reason="出張",
            actor=None,
        )
        with self.captureOnCommitCallbacks(execute=True):
            file_take_out(self.p.staff_a, [self.asset])
        self.assertEqual(len(self.smtp.to("kacho@city.example.jp")), 1)
        self.assertEqual(len(self.smtp.to("fuku@city.example.jp")), 1)

    def test_mail_the_server_refused_is_kept_and_sent_by_the_next_remind(self):
        self.server.stop()
        with self.captureOnCommitCallbacks(execute=True):
            file_take_out(self.p.staff_a, [self.asset])
        queued = OutboundMail.objects.get()
        self.assertIsNone(queued.sent_at)
        self.assertTrue(queued.last_error)
        self.server = Controller(self.smtp, hostname="127.0.0.1", port=self.server.port)
        self.server.start()
        self.assertIn("mail sent: 1", self.remind())
        self.assertEqual(len(self.smtp.to("kacho@city.example.jp")), 1)


class ReminderTests(MailTestCase):
    def test_an_overdue_decision_is_reminded_once_a_day_then_escalated(self):
        # staff of the CSIRT section (局 → 課 → 係): the 局(区)情報管理者 is the escalation.
        staff = create_user(
            username="taisaku", password=PASSWORD, person=self.p.person_csirt_staff, actor=None
        )
        asset = make_asset(self.p.csirt_unit, "II")
        request = file_take_out(staff, [asset], person_in_charge="対策 四郎")
        self.assertEqual(list(request.steps.get().approvers.all()), [self.p.person_csirt_lead])
        self.remind()
        self.smtp.messages.clear()
        start = clock.now()
        with clock.frozen(start + dt.timedelta(days=2)):
            self.remind()
        self.assertEqual(self.smtp.messages, [])  # not due yet (3 days: organization's choice)
        with clock.frozen(start + dt.timedelta(days=3, hours=1)):
            self.assertIn("approvals: 1", self.remind())
            self.remind()  # the same day: no second reminder
        [message] = self.smtp.to("suishin@city.example.jp")
        self.assertIn("督促", message["Subject"])
        self.assertIn("期限を過ぎて待っています", message.get_content())
        with clock.frozen(start + dt.timedelta(days=7, hours=2)):
            self.remind()
        [escalation] = self.smtp.to("kyokucho@city.example.jp")
        self.assertIn("上申", escalation["Subject"])
        self.assertIn("推進 三郎", escalation.get_content())
        self.assertEqual(len(self.smtp.to("suishin@city.example.jp")), 2)  # and a daily reminder
        with clock.frozen(start + dt.timedelta(days=9)):
            self.remind()
        self.assertEqual(len(self.smtp.to("kyokucho@city.example.jp")), 1)  # escalated once
        escalated = Event.objects.get(action=ApprovalEvent.ESCALATED)
        self.assertEqual(escalated.after["to"], ["局長 二郎"])

    def test_an_unreturned_take_out_is_chased_then_the_info_manager_is_told(self):
        request = file_take_out(self.p.staff_a, [self.asset])
        decisions.decide(request, actor=self.p.kacho_a, decision="approve")
        request.refresh_from_db()
        self.remind()
        self.smtp.messages.clear()
        due = dt.datetime.combine(request.return_date, dt.time(18, 0))
        with clock.frozen(due):
            self.remind()
        self.assertEqual(self.smtp.messages, [])  # the day it is due: not late yet
        with clock.frozen(due + dt.timedelta(days=1)):
            self.remind()
        [message] = self.smtp.to("staff@city.example.jp")
        self.assertIn("返却予定日は", message.get_content())
        self.assertEqual(self.smtp.to("kacho@city.example.jp"), [])
        with clock.frozen(due + dt.timedelta(days=4)):
            self.remind()
        [escalation] = self.smtp.to("kacho@city.example.jp")
        self.assertIn("未返却", escalation.get_content())
        # Returned: nothing more.
        with clock.frozen(due + dt.timedelta(days=4, hours=1)):
            completions.record_return(request, actor=self.p.staff_a, returned_at=clock.now())
        self.smtp.messages.clear()
        with clock.frozen(due + dt.timedelta(days=6)):
            self.remind()
        self.assertEqual(self.smtp.messages, [])

    def test_an_unreported_emergency_exception_is_chased(self):
        bureau_head = create_user(
            username="kyokucho", password=PASSWORD, person=self.p.person_bureau_head, actor=None
        )
        filing.file_request(
            actor=bureau_head,
            kind="exception",
            fields={
                "title": "災害時の臨時接続",
                "reason": "災害",
                "purpose": "住民対応",
                "content": "接続手続",
                "scheduled_at": clock.now(),
                "emergency": True,
                "carried_out_at": clock.now(),
            },
        )
        self.remind()
        self.smtp.messages.clear()
        with clock.frozen(clock.now() + dt.timedelta(days=1, hours=1)):
            self.remind()
        [message] = self.smtp.to("kyokucho@city.example.jp")
        self.assertIn("まだ報告されていません", message.get_content())
