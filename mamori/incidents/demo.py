"""A few incidents for the demo municipality, filed through the real actions with the
clock set back, so the chain, timers and timeline look as they would in use.
Added once: a database that already holds incidents is left alone."""

import datetime as dt

from django.utils import timezone

from mamori.access import access_for
from mamori.accounts.models import User
from mamori.incidents.actions import emergency_plan, handling, privacy, reporting
from mamori.incidents.models import EmergencyPlan, Incident, ReportingDecision
from mamori.incidents.privacy import prefill
from mamori.ledger.models import InformationAsset
from mamori.lib import clock
from mamori.policy.rules import active_context


def _at(days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _user(username: str) -> User | None:
    return User.objects.select_related("person__unit").filter(username=username).first()


def add_demo_incidents() -> int:
    context = active_context()
    if context is None or context.incident_chain is None or Incident.objects.exists():
        return 0  # a policy without a reporting chain gets no demo incidents
    kinds = dict(reporting.incident_types(context))
    loss = next((c for c in ("loss", "accident") if c in kinds), next(iter(kinds)))
    missend = next((c for c in ("missend", "accident") if c in kinds), loss)
    attack = next((c for c in ("unauthorized_access", "infringement") if c in kinds), loss)
    shokuin, shokuin2, kacho = _user("shokuin"), _user("shokuin2"), _user("kacho")
    if not (shokuin and shokuin2 and kacho):
        return 0
    count = 0

    # A mis-sent e-mail, minor, handled and closed.
    with clock.frozen(_at(12, 10, 5)):
        mail = reporting.report_incident(
            actor=shokuin2,
            type_code=missend,
            detection="staff",
            detected_at=_at(12, 9, 50),
            description="納税通知に関する照会への回答メールを、別の事業者のアドレスに送信した。"
            "添付ファイルはパスワード付きで、パスワードは送っていない。",
            severity="minor",
        )
        count += 1
    handler = _responder_account(context)
    if handler is not None:
        with clock.frozen(_at(12, 15)):
            handling.save_report(
                mail,
                actor=handler,
                report_content="照会回答メールの誤送信(添付ファイルはパスワード付き)。",
                report_cause="宛先のオートコンプリートで、名前の似た別の事業者を選んだ。",
                report_damage="誤送信先に削除を依頼し、削除の回答を得た。パスワードは未送付で、"
                "情報の流出は確認されていない。",
                report_actions="誤送信先への削除依頼、本来の宛先への再送。",
                report_prevention="外部宛てメールの送信前確認(宛先の読み上げ)を課内で徹底する。",
            )
            handling.close(mail, actor=handler, note="対応完了")

    # A USB memory lost at the counter; a citizen called. Under investigation.
    with clock.frozen(_at(2, 16, 40)):
        usb = reporting.report_incident(
            actor=shokuin,
            type_code=loss,
            detection="citizen",
            detected_at=_at(2, 16, 30),
            description="窓口に置いていた住民票の写し交付記録のUSBメモリが見当たらない。"
            "市民の方から「窓口の台にUSBメモリが落ちていた」と電話があり、確認中。",
            informant="市民の方(電話、氏名未確認)",
            severity="moderate",
            personal_data=True,
        )
        count += 1
    told = access_for(kacho).verdict("acknowledge", usb)
    if told and told.detail:
        with clock.frozen(_at(2, 16, 55)):
            reporting.acknowledge(usb, actor=kacho)
        with clock.frozen(_at(2, 17, 10)):
            handling.change_status(
                usb, actor=kacho, status="investigating", note="窓口周辺を捜索中"
            )

    # A virus alert from the antivirus console this morning: nobody has acknowledged yet.
    reporter = _user("network") or _user("admin") or shokuin
    with clock.frozen(_at(0, 8, 45)):
        reporting.report_incident(
            actor=reporter,
            type_code=attack,
            detection="system",
            detected_at=_at(0, 8, 30),
            description="ウイルス対策サーバが端末 PC-0457 でマルウェアを検知し隔離した。"
            "同じ係の端末でも不審な通信が記録されている。",
            informant="ウイルス対策サーバ",
            unit=shokuin.person.unit,
            wider_impact=True,
            suspected_crime=True,
        )
        count += 1

    rule = context.emergency_plan
    author_key = rule.by if rule is not None else None
    author = None
    if author_key:
        for holder in context.acting_holders(author_key):
            author = User.objects.filter(person=holder.person).first()
            if author:
                break
    if author is not None and not EmergencyPlan.objects.filter(policy=context.policy).exists():
        emergency_plan.revise_plan(
            policy=context.policy,
            actor=author,
            contacts="連絡体制(mamori の「連絡体制」)のとおり。休日・夜間は情報政策担当課の当番携帯へ。",
            reportable="発生日時、発見の経緯、事象の内容、原因、被害及び影響範囲、実施した対応。",
            response="被害拡大の防止(システムの停止・端末の切断)、証拠の保全、復旧、"
            "関係機関・市民等への連絡。",
            prevention="原因の分析、再発防止策の決定と実施手順の改訂、職員への周知と研修。",
            summary="初版",
        )
    return count


def add_demo_legal_report() -> bool:
    """After the ledger is built: the lost USB memory is the ledger's L-0003, which holds
    sensitive personal information (要配慮個人情報) unencrypted. The CSIRT adds it to the
    incident and decides, from what the ledger records, that a report to the authority is
    required: both deadlines show on the incident, the CSIRT dashboard and the CSIRT's home."""
    context = active_context()
    if context is None or context.personal_data_breach is None:
        return False
    usb = Incident.objects.filter(description__startswith="窓口に置いていた").first()
    memory = InformationAsset.objects.filter(ledger_no="L-0003").first()
    handler = _responder_account(context)
    if usb is None or memory is None or handler is None:
        return False
    if ReportingDecision.objects.filter(incident=usb).exists():
        return False
    with clock.frozen(_at(1, 9, 30)):
        handling.add_affected(usb, actor=handler, assets=[memory])
    with clock.frozen(_at(1, 10)):
        privacy.decide_reporting(
            usb, actor=handler, known_on=_at(2, 16, 30).date(), answers=prefill(usb).answers
        )
    return True


def _responder_account(context) -> User | None:
    """An account of someone the policy makes a responder (CSIRT, CISO …), if the demo has one."""
    for key in sorted(context.responder_keys):
        for holder in context.acting_holders(key):
            user = User.objects.filter(person=holder.person, is_active=True).first()
            if user is not None:
                return user
    return None
