"""Two approvers at once, a form posted twice, a withdrawal during approval: real
transactions in threads, on SQLite and PostgreSQL. Each ends in exactly one valid
state, with one trail event per change and an unbroken chain."""

import threading
import time
import uuid
from unittest import mock

from django.db import close_old_connections, connection
from django.test import TransactionTestCase

from mamori.accounts.actions import create_user
from mamori.approvals.actions import decisions, filing, guards
from mamori.approvals.events import ApprovalEvent
from mamori.approvals.models import ApprovalStep, Request, RequestStatus, StepState
from mamori.approvals.testing import file_take_out, make_asset, take_out_fields
from mamori.lib import clock
from mamori.lib.testing import PASSWORD, build_personas, build_sendai_roles
from mamori.mail.models import OutboundMail
from mamori.org.actions import change_person, record_absence
from mamori.trail.chain import verify
from mamori.trail.models import Event

_original_lock = decisions._lock


def slow_lock(request):
    """Hold the row lock a little, so that the other transaction surely waits on it."""
    locked = _original_lock(request)
    time.sleep(0.2)
    return locked


def race(*calls):
    """Run the calls in threads released together; return (results, errors) by index."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # reported to the test
            errors[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def count(request, action) -> int:
    return Event.objects.filter(
        target_type="approvals.request", target_id=str(request.pk), action=action
    ).count()


class ConcurrentDecisionTests(TransactionTestCase):
    def setUp(self):
        self.p = build_sendai_roles(build_personas())
        self.asset = make_asset(self.p.unit_a, "II")

    def test_two_approvers_at_once_give_one_decision(self):
        # The kacho is away: both the kacho (approving remotely) and the deputy may decide.
        today = clock.today()
        record_absence(
            self.p.person_kacho_a, start_date=today, end_date=today, reason="出張", actor=None
        )
        request = file_take_out(self.p.staff_a, [self.asset])
        with mock.patch.object(decisions, "_lock", slow_lock):
            results, errors = race(
                lambda: decisions.decide(request, actor=self.p.kacho_a, decision="approve"),
                lambda: decisions.decide(request, actor=self.p.deputy_a, decision="approve"),
            )
        self.assertEqual(sum(r is not None for r in results), 1)
        self.assertEqual([type(e) for e in errors if e is not None], [guards.StateConflict])
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)
        step = request.steps.get()
        self.assertEqual(step.state, StepState.APPROVED)
        self.assertEqual(count(request, ApprovalEvent.STEP_APPROVED), 1)
        self.assertEqual(count(request, ApprovalEvent.APPROVED), 1)
        self.assertIsNone(verify().broken)

    def test_approve_and_send_back_clicked_at_once_by_the_same_approver(self):
        request = file_take_out(self.p.staff_a, [self.asset])
        with mock.patch.object(decisions, "_lock", slow_lock):
            _results, errors = race(
                lambda: decisions.decide(request, actor=self.p.kacho_a, decision="approve"),
                lambda: decisions.decide(
                    request, actor=self.p.kacho_a, decision="send_back", comment="再考"
                ),
            )
        self.assertEqual(sum(e is not None for e in errors), 1)
        request.refresh_from_db()
        step = request.steps.get()
        expected = {
            RequestStatus.APPROVED: StepState.APPROVED,
            RequestStatus.SENT_BACK: StepState.SENT_BACK,
        }
        self.assertEqual(step.state, expected[request.status])
        self.assertIsNone(verify().broken)

    def test_a_withdrawal_during_approval_ends_in_exactly_one_state(self):
        request = file_take_out(self.p.staff_a, [self.asset])
        with mock.patch.object(decisions, "_lock", slow_lock):
            _results, errors = race(
                lambda: decisions.decide(request, actor=self.p.kacho_a, decision="approve"),
                lambda: decisions.withdraw(request, actor=self.p.staff_a),
            )
        failures = [e for e in errors if e is not None]
        self.assertEqual([type(e) for e in failures], [guards.StateConflict])
        request.refresh_from_db()
        step = request.steps.get()
        if request.status == RequestStatus.APPROVED:
            self.assertEqual(step.state, StepState.APPROVED)
            self.assertEqual(count(request, ApprovalEvent.WITHDRAWN), 0)
        else:
            self.assertEqual(request.status, RequestStatus.WITHDRAWN)
            self.assertEqual(step.state, StepState.CLOSED)
            self.assertEqual(count(request, ApprovalEvent.STEP_APPROVED), 0)
        self.assertIsNone(verify().broken)

    def test_parallel_consultations_at_once_start_the_next_step_once(self):
        network = create_user(
            username="network", password=PASSWORD, person=self.p.person_network, actor=None
        )
        change_person(self.p.person_ciso, email="ciso@city.example.jp", actor=None)
        request = filing.file_request(
            actor=self.p.staff_a,
            kind="external_connection",
            fields={"title": "保守回線", "destination": "保守業者VPN"},
        )
        # A second consultation on the same order (合議 with two parties).
        consult = request.steps.get(order=1)
        second = ApprovalStep.objects.create(
            request=request,
            round=request.round,
            order=1,
            kind=consult.kind,
            role_key="csirt_lead",
            role_name="CSIRT責任者",
            approver_names="推進 三郎",
            state=StepState.PENDING,
            activated_at=clock.now(),
        )
        second.approvers.set([self.p.person_csirt_lead])
        csirt = self.p.csirt_lead
        with mock.patch.object(decisions, "_lock", slow_lock):
            _results, errors = race(
                lambda: decisions.decide(request, actor=network, decision="approve"),
                lambda: decisions.decide(request, actor=csirt, decision="approve"),
            )
        self.assertEqual(errors, [None, None])
        final = request.steps.get(order=2)
        self.assertEqual(final.state, StepState.PENDING)
        self.assertEqual(OutboundMail.objects.filter(to="ciso@city.example.jp").count(), 1)
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.SUBMITTED)
        self.assertEqual(count(request, ApprovalEvent.STEP_APPROVED), 2)
        self.assertIsNone(verify().broken)


class ConcurrentFilingTests(TransactionTestCase):
    def setUp(self):
        self.p = build_sendai_roles(build_personas())
        self.asset = make_asset(self.p.unit_a, "II")

    def test_a_double_submitted_form_files_one_request(self):
        token = uuid.uuid4()

        def post():
            return filing.file_request(
                actor=self.p.staff_a,
                kind="take_out",
                fields=take_out_fields(),
                asset_ids=[self.asset.pk],
                token=token,
            ).pk

        results, errors = race(post, post, post)
        self.assertEqual(errors, [None, None, None])
        self.assertEqual(len(set(results)), 1)
        self.assertEqual(Request.objects.count(), 1)
        request = Request.objects.get()
        self.assertEqual(request.steps.count(), 1)
        self.assertEqual(count(request, ApprovalEvent.SUBMITTED), 1)
        self.assertIsNone(verify().broken)
