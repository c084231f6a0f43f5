"""A self-inspection and an audit for the personas, for view and access tests."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile


def sample_inspection(p):
    """Unit A's checklist answered (one 未遵守 with evidence) in an open campaign; an audit
    of unit A by the auditor with a finding, a corrective action and a follow-up in unit B.
    Built once per test class and kept on `p`."""
    if getattr(p, "inspection", None) is not None:
        return p.inspection
    from types import SimpleNamespace

    from mamori.inspections.actions import audits, corrections, evidence_files, self_inspection
    from mamori.inspections.models import Answer, AnswerValue
    from mamori.lib import clock

    s = SimpleNamespace()
    s.campaign = self_inspection.create_campaign(
        actor=p.admin,
        fiscal_year=2026,
        title="令和8年度 自己点検",
        deadline=dt.date(2099, 6, 30),
        units=[p.unit_a, p.unit_b],
    )
    self_inspection.launch_campaign(s.campaign, actor=p.admin)
    s.checklist = s.campaign.checklists.get(unit=p.unit_a)
    s.question = s.checklist.questions.order_by("order").first()
    self_inspection.save_answers(
        s.checklist,
        actor=p.kacho_a,
        answers={s.question.pk: (AnswerValue.NOT_COMPLIED, "管理簿が古い")},
    )
    s.answer = Answer.objects.get(question=s.question)
    s.evidence = evidence_files.add_evidence(
        actor=p.kacho_a, upload=SimpleUploadedFile("記録.txt", b"record"), answer=s.answer
    )
    s.action = corrections.open_corrective_action(
        actor=p.admin,
        unit=p.unit_a,
        owner=p.person_kacho_a,
        description="管理簿を更新する",
        due_on=clock.today() + dt.timedelta(days=30),
        answer=s.answer,
    )
    s.plan = audits.create_audit_plan(
        actor=p.admin,
        title="令和8年度 監査",
        fiscal_year=2026,
        units=[p.unit_a],
        auditors=[p.auditor],
        start_on=dt.date(2026, 9, 1),
        end_on=dt.date(2026, 10, 31),
    )
    s.finding = audits.record_finding(
        s.plan,
        actor=p.auditor,
        severity="medium",
        description="USBメモリの管理簿が更新されていない。",
        units=[p.unit_a],
        clauses=[s.question.clause],
    )
    (s.follow_up,) = audits.request_follow_ups(s.finding, actor=p.admin, units=[p.unit_b])
    p.inspection = s
    return s
