"""The fixed vocabulary policy packs are written in: kinds of requests, record
fields, role scopes, rule kinds. Labels are what users read; keys are what packs use.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    TAKE_OUT = "take_out", _("Take-out (持ち出し)")
    SEND = "send", _("Sending outside (送信)")
    COPY = "copy", _("Copy (複製)")
    LEND = "lend", _("Lending (貸出)")
    DISPOSE = "dispose", _("Disposal (廃棄)")
    SOFTWARE = "software_install", _("Installing software (ソフトウェア導入)")
    DEVICE_CHANGE = "device_change", _("Changing devices (機器構成の変更)")
    EXTERNAL_CONNECTION = (
        "external_connection",
        _("Connecting to an outside network (外部ネットワーク接続)"),
    )
    EXTERNAL_SERVICE = "external_service", _("Using an outside service (外部サービス利用)")
    AUTO_FORWARD = "auto_forward", _("Mail auto-forwarding (自動転送)")
    EQUIPMENT_OUT = (
        "equipment_out",
        _("Taking equipment out of the office (執務室外への機器持ち出し)"),
    )
    PROVIDE = "provide", _("Providing to outsiders (部外者への提供)")
    EXCEPTION = "exception", _("Exception (例外措置)")


class RecordField(models.TextChoices):
    PURPOSE = "purpose", _("Purpose (目的)")
    DATETIME = "datetime", _("Date and time (日時)")
    CONTENT = "content", _("Information asset concerned (情報資産の内容)")
    PERSON_IN_CHARGE = "person_in_charge", _("Person in charge (担当者)")
    METHOD = "method", _("Method (処理方法)")
    DESTINATION = "destination", _("Destination or recipient (送付先・持出先)")
    RETURN_DATE = "return_date", _("Expected return (返却予定日)")
    PROOF = "proof", _("Proof that data cannot be recovered (消去の証明)")
    REASON = "reason", _("Reason (理由)")


class Measure(models.TextChoices):
    ENCRYPTION = "encryption", _("Encryption (暗号化)")
    PASSWORD = "password", _("Password protection (パスワード設定)")
    ENCRYPTION_OR_PASSWORD = (
        "encryption_or_password",
        _("Encryption or password (暗号化やパスワード設定等)"),
    )
    PHYSICAL_PROTECTION = "physical_protection", _("Physical protection (物理的な保護措置)")
    VIRUS_CHECK = "virus_check", _("Virus check (不正プログラムのチェック)")
    ERASURE = "erasure", _("Unrecoverable erasure or destruction (復元不可能な消去・破壊)")
    CONFIDENTIALITY_CONTRACT = (
        "confidentiality_contract",
        _("Contract with confidentiality clause (守秘義務契約)"),
    )


class Scope(models.TextChoices):
    ORGANIZATION = "organization", _("Whole organization")
    DEPARTMENT = "department", _("Per bureau or department (局・部・区)")
    DIVISION = "division", _("Per division (課)")
    SYSTEM = "system", _("Per information system")
    EVERYONE = "everyone", _("Every member of staff")
    DESIGNATED = "designated", _("Designated by name (指名)")


class RuleKind(models.TextChoices):
    PERMISSION = "permission", _("Permission with records")
    LEDGER = "ledger", _("Ledger (管理台帳)")
    BACKUP = "backup", _("Backup")
    AUTHENTICATION = "authentication", _("Authentication")
    NETWORK = "network", _("Network separation")
    IMPORTANT_SYSTEM = "important_system", _("Important system criteria")
    SOFTWARE_SUPPORT = "software_support", _("Software support")
    INCIDENT_CHAIN = "incident_chain", _("Incident reporting chain")
    SELF_INSPECTION = "self_inspection", _("Self-inspection (自己点検)")
    AUDIT = "audit", _("Audit (監査)")
    TRAINING = "training", _("Training (研修・訓練)")
    EXTERNAL_SERVICE = "external_service", _("Outside services and cloud")
    SOCIAL_MEDIA = "social_media", _("Social media")
    OUTSOURCING = "outsourcing", _("Outsourcing (業務委託)")
    REVIEW = "review", _("Policy review (見直し)")
    CONTACT_TREE = "contact_tree", _("Contact tree (連絡体制)")
    STORAGE = "storage", _("Storage (保管)")
    EMERGENCY_PLAN = "emergency_plan", _("Emergency response plan (緊急時対応計画)")
    ESCALATION = "escalation", _("Reminders and escalation (督促・上申)")
    ACCOUNTS = "accounts", _("User IDs (利用者ID)")
    PERSONAL_DATA_BREACH = (
        "personal_data_breach",
        _("Legal reports of personal-information leaks (漏えい等の報告)"),
    )
    PHYSICAL_SECURITY = "physical_security", _("Physical security (物理的セキュリティ)")


class TrainingFrequency(models.TextChoices):
    """How long a completed training counts (`frequency` of a `training` rule)."""

    YEARLY = "yearly", _("Every year")
    ONCE = "once", _("Once")


class PhysicalSubject(models.TextChoices):
    """What a `physical_security` rule demands."""

    ENTRY = "entry", _("Entry and exit control of secured rooms (入退室管理)")
    CARRY = (
        "carry",
        _("Record of computers and media carried in and out (持ち出し・持ち込みの記録)"),
    )
    EQUIPMENT_MOVE = (
        "equipment_move",
        _("Staff attending equipment moved in or out (搬入・搬出の立会い)"),
    )
    WIRING = "wiring", _("Periodic inspection of the wiring (配線の点検)")
    POWER = "power", _("Periodic inspection of the power supply (電源の点検)")


class EscalationSubject(models.TextChoices):
    """What an `escalation` rule chases."""

    APPROVAL = "approval", _("Requests waiting for a decision")
    RETURN = "return", _("Taken-out or lent items not returned on time")
    REPORT = "report", _("Emergency exceptions not yet reported")


class AccountSubject(models.TextChoices):
    """What an `accounts` rule looks at, among mamori's own sign-in accounts and the accounts
    of the ledger's information systems (mamori.sysaccounts)."""

    UNUSED = "unused", _("IDs left unused")
    LEAVERS = "leavers", _("IDs of people who have left")
    PRIVILEGED = "privileged", _("Privileged IDs")
    SHARED = "shared", _("Shared and service IDs")
    ACCESS_REVIEW = "access_review", _("Periodic access reviews (棚卸し)")
    OFFBOARDING = "offboarding", _("Accounts and assets handed back on leaving")
    ID_CARDS = "id_cards", _("ID cards")


UNIT_KINDS = {
    "bureau",
    "department",
    "ward",
    "division",
    "office",
    "section",
    "branch",
    "commission",
    "executive",
    "other",
}
NETWORK_ZONES = {"mynumber", "lgwan", "internet", "standalone"}


class AssetKind(models.TextChoices):
    INFORMATION = "information", _("Administrative information (行政情報)")
    MEDIA = "media", _("Storage media (電磁的記録媒体)")
    DEVICE = "device", _("Terminals and equipment (端末・機器)")
    PAPER = "paper", _("Paper (紙媒体)")


class ReportItem(models.TextChoices):
    """An item the incident report must state before the incident is closed (`report_items`
    of an `incident_chain` rule)."""

    CONTENT = "content", _("what the incident was (内容)")
    CAUSE = "cause", _("cause (原因)")
    DAMAGE = "damage", _("damage and extent of the impact confirmed (確認した被害及び影響範囲)")
    ACTIONS = "actions", _("actions taken")
    PREVENTION = "prevention", _("measures against recurrence")
    LESSONS = "lessons", _("lessons and procedures revised")


class IncidentCondition(models.TextChoices):
    """When a step of an incident chain applies (`when:` of a step)."""

    IMPORTANT_SYSTEM = "important_system", _("an important information system is affected")
    WIDER_IMPACT = "wider_impact", _("other systems or units may be affected")
    SERIOUS_EXTERNAL_IMPACT = (
        "serious_external_impact",
        _("the outside may be seriously affected"),
    )
    AS_NEEDED = "as_needed", _("as needed (serious, wider or outside impact, or suspected crime)")


class BreachCondition(models.TextChoices):
    """A situation that makes a leak of personal information reportable to the Personal
    Information Protection Commission (`conditions` of a `personal_data_breach` rule; for
    行政機関等: 個人情報の保護に関する法律 第68条第1項, 同法施行規則 第43条)."""

    SENSITIVE = (
        "sensitive",
        _("sensitive personal information (要配慮個人情報, 条例要配慮個人情報) is involved"),
    )
    FINANCIAL_DAMAGE = (
        "financial_damage",
        _("its misuse may cause financial damage (財産的被害のおそれ)"),
    )
    UNAUTHORIZED_PURPOSE = (
        "unauthorized_purpose",
        _("it may have been done for an unauthorized purpose (不正の目的をもって行われたおそれ)"),
    )
    MANY_PERSONS = "many_persons", _("more persons are concerned than the threshold (本人の数)")


class DayCount(models.TextChoices):
    """How the days of a reporting period are counted."""

    CALENDAR = "calendar", _("calendar days")
    BUSINESS = "business", _("business days (weekends, public holidays and closed days excluded)")


class ServiceType(models.TextChoices):
    """Kinds of outside service (外部サービス), as 仙台市 第1章(2)⑫ sorts them; an
    `external_service` rule names the kinds it covers (`service_types`)."""

    OUTSOURCED = "outsourced", _("Outsourced (委託による外部サービス)")
    TERMS_ONLY = "terms_only", _("Terms of use only (約款への同意のみ)")
    TERMS_SPECIAL = "terms_special", _("Terms with special provisions (約款に特約等)")
    GOVERNMENT = "government", _("Government or LGWAN-ASP (国・LGWAN-ASP)")


class OutsideDuty(models.TextChoices):
    """What an `outsourcing`, `external_service` or `social_media` rule requires
    (`require:`); each turns on its check."""

    CONFIRMATION = "periodic_confirmation", _("Periodic confirmation of the contractor")
    ASSESSMENT = "assessment", _("Terms or criteria assessed before use")
    ENCRYPTION = "encryption", _("Stored data encrypted")
    ERASURE = "erasure_at_end", _("Data erased when the contract ends")
    RESPONSIBLE = "responsible_person", _("A responsible person for each account")
    VERIFICATION = "verification_page", _("A verification page on the organization's own site")
    CREDENTIALS = "credential_custody", _("Custody of the authentication information")
