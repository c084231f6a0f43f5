"""Account lists for the demo municipality's systems, made through the real actions: the
住民記録システム and the グループウェア get their staff's accounts, a privileged service
account nobody answers for, a stale account, a person who retired a month ago with accounts
still enabled in both systems and a USB memory not handed back, an ID card, and an open
access review (棚卸し). Added once: a database that already holds accounts is left alone."""

import datetime as dt

from django.db.models import F
from django.utils import timezone

from mamori.accounts.models import User
from mamori.ledger.actions import change_asset
from mamori.ledger.models import AccessControl, InformationAsset, InformationSystem
from mamori.lib import clock
from mamori.org.actions import retire_person
from mamori.org.models import Person, PersonStatus
from mamori.policy.rules import active_context
from mamori.sysaccounts import actions
from mamori.sysaccounts.models import AccountKind, Decision, SystemAccount


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def add_demo_accounts() -> int:
    """The demo's accounts; returns how many were made (0 when there already are some)."""
    if SystemAccount.objects.exists():
        return 0
    juki = InformationSystem.objects.filter(code="SYS-001").first()
    groupware = InformationSystem.objects.filter(code="SYS-003").first()
    users = {u.username: u for u in User.objects.select_related("person__unit")}
    kacho, shokuin, shokuin2 = users.get("kacho"), users.get("shokuin"), users.get("shokuin2")
    if not (juki and groupware and kacho and shokuin and shokuin2):
        return 0
    demo_people = {u.person_id for u in users.values() if u.person_id}
    unit = kacho.person.unit
    colleagues = list(
        Person.objects.filter(unit__path__startswith=unit.path, status=PersonStatus.ACTIVE)
        .exclude(pk__in=demo_people)
        # Members of staff without a post first: the demo's 課長補佐 and 係長 stay in service
        # (the personnel demo's April import moves them).
        .order_by(F("position__rank").desc(nulls_first=True), "employee_no")[:4]
    )
    if len(colleagues) < 2:
        return 0
    leaver, stale = colleagues[0], colleagues[1]
    made = []

    def account(system, name, **fields):
        fields.setdefault("created_on", dt.date(2021, 4, 1))
        fields.setdefault("last_used_on", _days_ago(1))
        made.append(actions.create_account(system=system, name=name, actor=None, **fields))
        return made[-1]

    account(
        juki,
        "kacho01",
        holder=kacho.person,
        roles="照会・承認",
        authentication=AccessControl.BIOMETRIC,
    )
    account(
        juki,
        "juki-ic-" + shokuin.person.employee_no,
        holder=shokuin.person,
        roles="照会・入力",
        authentication=AccessControl.IC_CARD,
    )
    for person in [leaver, stale, *colleagues[2:]]:
        account(
            juki,
            "juki-" + person.employee_no,
            holder=person,
            roles="照会",
            authentication=AccessControl.BIOMETRIC,
            last_used_on=_days_ago(200) if person == stale else _days_ago(2),
        )
    account(
        juki,
        "juki-admin",
        kind=AccountKind.SERVICE,
        roles="システム管理者",
        privileged=True,
        authentication=AccessControl.MULTI_FACTOR,
        note="保守事業者が利用",
    )
    for person in [kacho.person, shokuin.person, shokuin2.person, leaver]:
        account(groupware, "gw-" + person.employee_no, holder=person, roles="一般利用者")
    actions.issue_card(
        person=shokuin.person,
        number="IC-" + shokuin.person.employee_no,
        issued_on=dt.date(2021, 4, 1),
        actor=None,
    )
    # An open 棚卸し of the 住民記録システム, with the kacho's first decisions.
    review = actions.open_review(
        system=juki,
        title=f"{timezone.localdate().year}年度 住民記録システム アカウント棚卸し",
        due_on=timezone.localdate() + dt.timedelta(days=30),
        actor=kacho,
    )
    for item in review.items.select_related("account").order_by("account__name")[:2]:
        actions.decide(item, decision=Decision.KEEP, comment="業務上必要", actor=kacho)
    # A colleague retired a month ago: their accounts are still enabled in both systems and
    # the USB memory they kept is not back, so the off-boarding list is overdue.
    usb = (
        InformationAsset.objects.in_use()
        .filter(owner_unit__path__startswith=unit.path, kind="media")
        .order_by("ledger_no")
        .first()
    )
    if usb is not None:
        change_asset(usb, actor=None, context=active_context(), manager=leaver)
    month_ago = timezone.make_aware(dt.datetime.combine(_days_ago(30), dt.time(17, 0)))
    with clock.frozen(month_ago):
        retire_person(leaver, retirement_date=_days_ago(30), actor=None)
    return len(made)
