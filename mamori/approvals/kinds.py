"""What each kind of request records and how it ends.

The pack says which record fields a permission demands (`records:`); this module
says which fields make sense for a kind at all, which a kind needs by its nature
(a take-out has an expected return), how fields are labelled for the kind, and
what completes an approved request (a return, a disposal record).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from mamori.policy.vocabulary import RecordField, RequestKind

# Record field (pack vocabulary) -> Request model field.
MODEL_FIELD = {
    "purpose": "purpose",
    "datetime": "scheduled_at",
    "content": "content",
    "person_in_charge": "person_in_charge",
    "method": "method",
    "destination": "destination",
    "return_date": "return_date",
    "proof": "proof",
    "reason": "reason",
}
FIELD_RECORD = {model: record for record, model in MODEL_FIELD.items()}


class Completion:
    NONE = ""
    RETURN = "return"
    DISPOSAL = "disposal"


@dataclass(frozen=True)
class KindSpec:
    fields: tuple[str, ...]
    required: tuple[str, ...] = ()
    completion: str = Completion.NONE
    labels: dict = field(default_factory=dict)
    register_title: str = ""
    document_title: str = ""


SPECS: dict[str, KindSpec] = {
    RequestKind.TAKE_OUT: KindSpec(
        fields=("purpose", "datetime", "content", "person_in_charge", "destination", "return_date"),
        required=("datetime", "return_date"),
        completion=Completion.RETURN,
        labels={
            "datetime": _("Taken out at"),
            "destination": _("Taken to"),
        },
        register_title=_("Take-out register (持ち出し簿)"),
        document_title=_("Take-out permission (持ち出し許可申請書)"),
    ),
    RequestKind.SEND: KindSpec(
        fields=("purpose", "datetime", "content", "person_in_charge", "destination", "method"),
        required=("destination",),
        labels={
            "datetime": _("Sent at"),
            "destination": _("Recipient"),
            "method": _("How it is sent (e-mail, file transfer …)"),
        },
        register_title=_("Sending register (送信記録簿)"),
        document_title=_("Permission to send outside (送信許可申請書)"),
    ),
    RequestKind.COPY: KindSpec(
        fields=("reason", "purpose", "datetime", "content", "person_in_charge", "method"),
        labels={"datetime": _("Copied at"), "method": _("Copied to (medium)")},
        register_title=_("Copy register (複製記録簿)"),
        document_title=_("Copy permission (複製許可申請書)"),
    ),
    RequestKind.LEND: KindSpec(
        fields=(
            "reason",
            "purpose",
            "datetime",
            "content",
            "person_in_charge",
            "destination",
            "return_date",
        ),
        required=("datetime", "destination", "return_date"),
        completion=Completion.RETURN,
        labels={"datetime": _("Lent on"), "destination": _("Lent to")},
        register_title=_("Lending register (貸出簿)"),
        document_title=_("Lending permission (貸出許可申請書)"),
    ),
    RequestKind.DISPOSE: KindSpec(
        fields=("datetime", "content", "person_in_charge", "method"),
        required=("datetime", "method"),
        completion=Completion.DISPOSAL,
        labels={"datetime": _("Disposal planned at"), "method": _("Disposal method (処理方法)")},
        register_title=_("Disposal records (廃棄記録)"),
        document_title=_("Disposal permission (廃棄許可申請書)"),
    ),
    RequestKind.SOFTWARE: KindSpec(
        fields=("purpose", "reason", "content", "datetime", "person_in_charge"),
        required=("content",),
        labels={"content": _("Software and version"), "datetime": _("Installed at")},
        register_title=_("Software installation records (ソフトウェア導入記録)"),
        document_title=_("Software installation permission (ソフトウェア導入許可申請書)"),
    ),
    RequestKind.DEVICE_CHANGE: KindSpec(
        fields=("purpose", "content", "datetime", "person_in_charge", "method"),
        required=("content",),
        labels={"content": _("Devices added or replaced"), "datetime": _("Changed at")},
        register_title=_("Device change records (機器構成変更記録)"),
        document_title=_("Device change permission (機器構成変更許可申請書)"),
    ),
    RequestKind.EXTERNAL_CONNECTION: KindSpec(
        fields=("purpose", "reason", "content", "datetime", "destination", "method"),
        required=("destination",),
        labels={
            "destination": _("Outside network connected to"),
            "content": _("Network or system connected"),
            "datetime": _("Connected from"),
        },
        register_title=_("Outside connection records (外部ネットワーク接続記録)"),
        document_title=_("Outside network connection permission (外部ネットワーク接続許可申請書)"),
    ),
    RequestKind.EXTERNAL_SERVICE: KindSpec(
        fields=("purpose", "reason", "content", "destination", "datetime"),
        required=("destination",),
        labels={"destination": _("Service"), "datetime": _("Used from")},
        register_title=_("Outside service records (外部サービス利用記録)"),
        document_title=_("Outside service permission (外部サービス利用許可申請書)"),
    ),
    RequestKind.AUTO_FORWARD: KindSpec(
        fields=("purpose", "reason", "destination", "datetime"),
        required=("destination",),
        labels={"destination": _("Forwarded to"), "datetime": _("Forwarding from")},
        register_title=_("Auto-forwarding records (自動転送記録)"),
        document_title=_("Mail auto-forwarding permission (自動転送許可申請書)"),
    ),
    RequestKind.EQUIPMENT_OUT: KindSpec(
        fields=("purpose", "datetime", "content", "person_in_charge", "destination", "return_date"),
        required=("datetime", "return_date"),
        completion=Completion.RETURN,
        labels={
            "datetime": _("Taken out at"),
            "content": _("Equipment"),
            "destination": _("Taken to"),
        },
        register_title=_("Equipment take-out register (機器持ち出し簿)"),
        document_title=_("Equipment take-out permission (機器持ち出し許可申請書)"),
    ),
    RequestKind.PROVIDE: KindSpec(
        fields=("purpose", "content", "destination", "method", "datetime", "person_in_charge"),
        required=("destination",),
        labels={"destination": _("Provided to"), "datetime": _("Provided on")},
        register_title=_("Provision records (提供記録)"),
        document_title=_("Permission to provide to outsiders (提供許可申請書)"),
    ),
    RequestKind.EXCEPTION: KindSpec(
        fields=("reason", "purpose", "datetime", "content", "method"),
        required=("reason", "content"),
        labels={
            "datetime": _("Carried out from"),
            "content": _("Provision not followed (遵守事項)"),
            "method": _("Measure taken instead"),
        },
        register_title=_("Exception records (例外措置記録)"),
        document_title=_("Exception permission (例外措置許可申請書)"),
    ),
}


def spec(kind: str) -> KindSpec:
    return SPECS[kind]


# Record fields filled in when the request is completed, not when it is filed.
COMPLETION_FIELDS = {Completion.DISPOSAL: {"proof"}}


def filing_fields(kind: str, record_keys=()) -> list[str]:
    """The record fields a request of `kind` asks for when filed: the kind's own and
    those the pack demands, less those recorded at completion (the proof of a disposal)."""
    later = COMPLETION_FIELDS.get(SPECS[kind].completion, set())
    keys = list(SPECS[kind].fields)
    keys += [key for key in record_keys if key not in keys]
    return [key for key in keys if key not in later]


def label(kind: str, record_field: str) -> str:
    """The label of a record field for a kind: 持出先 for a take-out, 送信先 for sending."""
    override = SPECS[kind].labels.get(record_field)
    if override:
        return str(override)
    return str(dict(RecordField.choices)[record_field])


def kind_label(kind: str) -> str:
    return str(dict(RequestKind.choices).get(kind, kind))
