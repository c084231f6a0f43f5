import datetime as dt
import re
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.approvals.kinds import MODEL_FIELD, filing_fields, label
from mamori.approvals.models import RequestStatus
from mamori.ledger.models import InformationAsset, InformationSystem
from mamori.lib.forms import MAX_ID, WarekiDateField, object_id
from mamori.lib.wareki import WarekiError, parse_date

_TIME = re.compile(r"^(\d{1,2})[:：時](\d{1,2})?(?:分|:\d{2}(?:\.\d+)?)?$")


class WarekiDateTimeField(forms.DateTimeField):
    """A date and time: 2025-04-01T09:30 (the browser's), 2025-04-01 9:30 or 令和7年4月1日 9:30."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {
        "invalid_time": _("Enter a time such as 9:30."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        text = str(value).strip().replace("T", " ").replace("\u3000", " ")
        date_part, _sep, time_part = text.partition(" ")
        try:
            day = parse_date(date_part)
        except WarekiError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        hour = minute = 0
        time_part = time_part.strip()
        if time_part:
            found = _TIME.match(time_part)
            if not found or int(found.group(1)) > 23 or int(found.group(2) or 0) > 59:
                raise forms.ValidationError(
                    self.error_messages["invalid_time"], code="invalid_time"
                )
            hour, minute = int(found.group(1)), int(found.group(2) or 0)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class IdsField(forms.MultipleChoiceField):
    """Primary keys picked from a scoped list. The action checks them against the
    requester's scope again (a forged id is refused there, at this field)."""

    def valid_value(self, value):
        return True

    def clean(self, value):
        value = super().clean(value)
        keys = [object_id(v) for v in value]
        if None in keys:
            raise forms.ValidationError(_("Choose from the list."), code="invalid")
        return keys


TEXTAREA = forms.Textarea(attrs={"rows": 3})
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 2})


def _record_field(kind: str, key: str) -> forms.Field:
    text = label(kind, key)
    if key == "datetime":
        return WarekiDateTimeField(label=text, required=False)
    if key == "return_date":
        return WarekiDateField(label=text, required=False)
    if key in ("person_in_charge", "destination"):
        return forms.CharField(
            label=text, required=False, max_length=300 if key == "destination" else 200
        )
    return forms.CharField(
        label=text,
        required=False,
        widget=TEXTAREA if key in ("content", "purpose", "reason") else SHORT_TEXTAREA,
    )


class RequestForm(forms.Form):
    """A request of one kind. The policy's answer (guidance) decides which record
    fields are marked required and which measures must be confirmed; the action
    validates them again when filing."""

    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Subject"), max_length=200)
    assets = IdsField(
        label=_("Information assets (ledger)"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("The classification of the assets decides what the policy requires."),
    )
    systems = IdsField(
        label=_("Information systems"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    declared_level = forms.ChoiceField(label=_("Classification"), required=False)

    def __init__(self, *args, kind: str, access, context, guidance=None, required=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.guidance = guidance
        self.required_names = {MODEL_FIELD[key] for key in required}
        self.fields["token"].initial = uuid.uuid4()
        assets = (
            access.restrict(InformationAsset.objects.in_use())
            .select_related("owner_unit")
            .order_by("ledger_no")
        )
        self.fields["assets"].choices = [
            (a.pk, f"{a.ledger_no} {a.name}（{self._level(a, context)}）") for a in assets
        ]
        self.fields["systems"].choices = [
            (s.pk, f"{s.code} {s.name}")
            for s in access.restrict(InformationSystem.objects.active()).order_by("code")
        ]
        if context is not None:
            axis = context.primary_axis()
            self.fields["declared_level"].label = _("%(axis)s of information not in the ledger") % {
                "axis": axis.name
            }
            self.fields["declared_level"].choices = [("", "---------")] + [
                (level, level) for level in axis.labels
            ]
        keys = filing_fields(kind, guidance.record_keys if guidance is not None else ())
        for key in keys:
            self.fields[MODEL_FIELD[key]] = _record_field(kind, key)
        self.fields["details"] = forms.CharField(
            label=_("Other details"), required=False, widget=SHORT_TEXTAREA
        )
        measures = guidance.answer.measures if guidance is not None and guidance.answer else []
        if measures:
            self.fields["measures_confirmed"] = forms.MultipleChoiceField(
                label=_("Measures I take"),
                choices=measures,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        if guidance is not None and guidance.emergency_allowed:
            self.fields["emergency"] = forms.BooleanField(
                label=_("Carried out already in an emergency, reported afterwards"),
                required=False,
            )
            self.fields["carried_out_at"] = WarekiDateTimeField(
                label=_("Carried out at"), required=False
            )
            self.fields["report"] = forms.CharField(
                label=_("Report (what was done and why it could not wait)"),
                required=False,
                widget=TEXTAREA,
            )
        for name in self.required_names:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-required"] = "true"

    @staticmethod
    def _level(asset, context) -> str:
        if context is None:
            return "—"
        axis = context.primary_axis()
        value = (asset.classification or {}).get(axis.key)
        return f"{axis.name} {value}" if value else str(_("unclassified"))

    def action_fields(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("token", "assets", "systems"):
            data.pop(name, None)
        return data


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=SHORT_TEXTAREA,
        help_text=_("Required when sending back or rejecting."),
    )
    step = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID
    )


class WithdrawForm(forms.Form):
    comment = forms.CharField(label=_("Reason for withdrawing"), required=False, max_length=500)


class ReturnForm(forms.Form):
    returned_at = WarekiDateTimeField(label=_("Returned at"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class DisposalForm(forms.Form):
    disposed_at = WarekiDateTimeField(label=_("Disposed of at (日時)"), required=False)
    disposal_person = forms.CharField(
        label=_("Person in charge (担当者)"), required=False, max_length=200
    )
    disposal_method = forms.CharField(
        label=_("Disposal method (処理方法)"), required=False, widget=SHORT_TEXTAREA
    )
    disposal_proof = forms.CharField(
        label=_("Proof that the data cannot be recovered"),
        required=False,
        widget=SHORT_TEXTAREA,
        help_text=_("e.g. the certificate of erasure or destruction and its number."),
    )


class ReportForm(forms.Form):
    report = forms.CharField(
        label=_("Report (what was done and why it could not wait)"), widget=TEXTAREA
    )


class RerouteForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the new route"), max_length=300)


class RegisterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + RequestStatus.choices
    )
    unit = forms.CharField(label=_("Unit code"), required=False, max_length=20)
    date_from = WarekiDateField(label=_("Filed from"), required=False)
    date_to = WarekiDateField(label=_("Filed until"), required=False)
    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    overdue = forms.BooleanField(label=_("Not returned on time"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data
