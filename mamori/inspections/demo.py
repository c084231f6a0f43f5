"""A self-inspection and an audit for the demo municipality, made through the real actions:
the 令和 year's campaign with the kacho persona's checklist open and unanswered (to try it),
another unit's checklist submitted with one 未遵守 and its corrective action, and an audit
plan with a finding recorded by the kansa auditor. Added once."""

import datetime as dt

from mamori.accounts.models import User
from mamori.inspections.actions import audits, self_inspection
from mamori.inspections.models import AnswerValue, Campaign
from mamori.inspections.responders import inspection_roles
from mamori.lib import clock
from mamori.lib.wareki import fiscal_year, format_nendo
from mamori.policy.rules import active_context

DIVISIONS = ("division", "office", "branch")


def _division(context, unit):
    return context.org.nearest(unit, list(DIVISIONS)) or unit


def add_demo_inspections() -> int:
    context = active_context()
    if context is None or not inspection_roles(context) or Campaign.objects.exists():
        return 0
    users = {
        u.username: u
        for u in User.objects.select_related("person__unit").filter(
            username__in=["admin", "kacho", "shokuin2", "kansa"]
        )
    }
    if len(users) < 4:
        return 0
    admin, kacho, kansa = users["admin"], users["kacho"], users["kansa"]
    own = _division(context, kacho.person.unit)
    other = _division(context, users["shokuin2"].person.unit)
    third = _division(context, admin.person.unit)
    units = list({u.pk: u for u in (own, other, third)}.values())
    today = clock.today()
    year = fiscal_year(today)
    campaign = self_inspection.create_campaign(
        actor=admin,
        fiscal_year=year,
        title=f"{format_nendo(year)} 情報セキュリティ自己点検",
        deadline=today + dt.timedelta(days=30),
        units=units,
    )
    self_inspection.launch_campaign(campaign, actor=admin)
    done = campaign.checklists.get(unit=other)
    questions = list(done.questions.order_by("order", "pk"))
    answers = {q.pk: (AnswerValue.COMPLIED, "") for q in questions}
    if questions:
        answers[questions[0].pk] = (
            AnswerValue.NOT_COMPLIED,
            "管理簿の年1回の見直しができていない。",
        )
    if len(questions) > 2:
        answers[questions[2].pk] = (AnswerValue.NOT_APPLICABLE, "該当する業務がない。")
    self_inspection.save_answers(done, actor=admin, answers=answers)
    self_inspection.submit_checklist(done, actor=admin)

    plan = audits.create_audit_plan(
        actor=admin,
        title=f"{format_nendo(year)} 情報セキュリティ監査",
        fiscal_year=year,
        units=[other],
        auditors=[kansa],
        start_on=today - dt.timedelta(days=14),
        end_on=today + dt.timedelta(days=30),
    )
    audit_rule = context.audit
    audits.record_finding(
        plan,
        actor=kansa,
        severity="medium",
        description="執務室内のキャビネットが施錠されていない時間帯があった。",
        units=[other],
        clauses=[audit_rule.clause] if audit_rule else [],
    )
    return 1
