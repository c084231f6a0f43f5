from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mamori.incidents.models import (
    Detection,
    EmergencyPlan,
    Incident,
    LegalReport,
    NoticeMeans,
    PublicNotice,
    RecordKind,
    Severity,
    Status,
)
from mamori.ledger.models import InformationAsset, InformationSystem
from mamori.lib.forms import MAX_COUNT, IdChoiceField, IdsMultipleChoiceField, WarekiDateField
from mamori.org.models import OrgUnit

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )


def reference_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class UnitChoiceField(IdChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class LedgerChoiceField(IdsMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.owner_unit.name})"


class AffectedFields(forms.Form):
    """Assets and systems from the ledgers the user may see, and references to others."""

    assets = LedgerChoiceField(
        label=_("Affected information assets"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    systems = LedgerChoiceField(
        label=_("Affected information systems"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    references = forms.CharField(
        label=_("Other assets or systems"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Ledger numbers or system codes, one per line, for entries not in the lists above."
        ),
    )

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assets"].queryset = access.restrict(
            InformationAsset.objects.in_use().select_related("owner_unit")
        )
        self.fields["systems"].queryset = access.restrict(
            InformationSystem.objects.active().select_related("owner_unit")
        )

    def clean_references(self):
        return reference_lines(self.cleaned_data.get("references"))


class ReportForm(AffectedFields):
    type_code = forms.ChoiceField(label=_("Kind of incident"))
    detection = forms.ChoiceField(
        label=_("How it was noticed"),
        choices=Detection.choices,
        initial=Detection.STAFF,
        widget=forms.RadioSelect,
    )
    detected_at = datetime_field(_("Noticed at"))
    unit = UnitChoiceField(label=_("Unit concerned"), queryset=OrgUnit.objects.none())
    description = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What, where, since when, who knows; what you have done so far."),
        required=False,
    )
    informant = forms.CharField(
        label=_("Who told us"),
        required=False,
        max_length=300,
        help_text=_("For a citizen's call or a system alert: name, contact, or the system."),
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.UNASSESSED
    )
    wider_impact = forms.BooleanField(
        label=_("Other systems or units may be affected"), required=False
    )
    serious_external_impact = forms.BooleanField(
        label=_("The outside (citizens, other bodies) may be seriously affected"),
        required=False,
    )
    suspected_crime = forms.BooleanField(
        label=_("Possibly a crime (unauthorized access etc.)"), required=False
    )
    personal_data = forms.BooleanField(
        label=_("Personal information may have leaked, been lost or damaged"),
        required=False,
        help_text=_("Names, addresses, records of residents or staff …, even a single person's."),
    )

    field_order = [
        "type_code",
        "detection",
        "detected_at",
        "unit",
        "description",
        "informant",
        "assets",
        "systems",
        "references",
        "severity",
        "wider_impact",
        "serious_external_impact",
        "suspected_crime",
        "personal_data",
    ]

    def __init__(self, *args, access, types, **kwargs):
        super().__init__(*args, access=access, **kwargs)
        self.fields["type_code"].choices = [("", "---------")] + list(types)
        self.fields["unit"].queryset = OrgUnit.objects.active().order_by("code")
        # The description is checked by the action, so that its message is the same everywhere.
        self.fields["description"].widget.attrs["required"] = True


class AssessForm(forms.Form):
    type_code = forms.ChoiceField(label=_("Kind of incident"))
    unit = UnitChoiceField(label=_("Unit concerned"), queryset=OrgUnit.objects.none())
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    wider_impact = forms.BooleanField(
        label=_("Other systems or units may be affected"), required=False
    )
    serious_external_impact = forms.BooleanField(
        label=_("The outside (citizens, other bodies) may be seriously affected"),
        required=False,
    )
    suspected_crime = forms.BooleanField(
        label=_("Possibly a crime (unauthorized access etc.)"), required=False
    )

    def __init__(self, *args, types, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(types)
        if incident.type_code not in dict(choices):
            choices.insert(0, (incident.type_code, incident.type_label))
        self.fields["type_code"].choices = choices
        self.fields["unit"].queryset = OrgUnit.objects.filter(
            Q(pk=incident.unit_id) | Q(closed_on__isnull=True)
        ).order_by("code")


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class PersonChoiceField(IdChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.unit.name})"


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("What was done"), choices=RecordKind.choices)
    occurred_at = datetime_field(_("When"))
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    authorized_by = PersonChoiceField(label=_("Allowed by"), queryset=None, required=False)
    reported_after_reason = forms.CharField(
        label=_("Or: why it had to be done first and reported afterwards"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    recipient = forms.CharField(
        label=_("Reported to"),
        required=False,
        max_length=200,
        help_text=_("For reports outside: the body and the person (e.g. 県 情報政策課)."),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authorized_by"].queryset = people


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200, required=False)
    owner = PersonChoiceField(label=_("Owner"), queryset=None, required=False)
    due_date = WarekiDateField(label=_("Due"), required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[c for c in Status.choices if c[0] != Status.CLOSED]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class FinalReportForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = [
            "report_content",
            "report_cause",
            "report_damage",
            "report_actions",
            "report_prevention",
            "report_lessons",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}


class PublicNoticeForm(forms.Form):
    public_notice = forms.ChoiceField(label=_("Informing citizens"), choices=PublicNotice.choices)
    public_notice_note = forms.CharField(
        label=_("Reason for the decision"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why it is reopened"), max_length=1000, required=False)


class PlanForm(forms.ModelForm):
    class Meta:
        model = EmergencyPlan
        fields = ["contacts", "reportable", "response", "prevention", "summary"]
        widgets = {
            "contacts": forms.Textarea(attrs={"rows": 6}),
            "reportable": forms.Textarea(attrs={"rows": 6}),
            "response": forms.Textarea(attrs={"rows": 8}),
            "prevention": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False  # the action says what is missing, in one place


class StatisticsForm(forms.Form):
    year = forms.IntegerField(
        label=_("Fiscal year"), required=False, min_value=1989, max_value=2200
    )


# Personal information: the legal reports ------------------------------------------------------


class ReportingDecisionForm(forms.Form):
    """The questions that decide whether the law requires a report (the pack's
    `personal_data_breach` rule); started from what the affected entries record."""

    known_on = WarekiDateField(
        label=_("Day the leak was known"),
        required=False,
        help_text=_("The periods of the reports count from the day after this day."),
    )
    personal_data = forms.BooleanField(
        label=_("Personal information we hold has leaked, been lost or damaged, or may have"),
        required=False,
    )
    sensitive = forms.BooleanField(
        label=_("It includes sensitive personal information (要配慮個人情報, 条例要配慮個人情報)"),
        required=False,
    )
    financial_damage = forms.BooleanField(
        label=_("Its misuse may cause financial damage (bank accounts, card numbers …)"),
        required=False,
    )
    unauthorized_purpose = forms.BooleanField(
        label=_("It may have been done for an unauthorized purpose (intrusion, theft, taking out)"),
        required=False,
    )
    persons = forms.IntegerField(
        label=_("Number of persons"),
        min_value=0,
        max_value=MAX_COUNT,
        required=False,
        help_text=_("Leave empty while it is being investigated (調査中)."),
    )
    persons_may_exceed = forms.BooleanField(
        label=_("The number is not known yet but may exceed the threshold"), required=False
    )
    strong_encryption = forms.BooleanField(
        label=_(
            "The data was protected by strong encryption or an equivalent measure, and the key "
            "did not leak with it (高度な暗号化その他の必要な措置)"
        ),
        required=False,
    )
    reasoning = forms.CharField(
        label=_("Reasoning"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when no report is needed: say why."),
    )

    def __init__(self, *args, threshold: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if threshold is not None:
            self.fields["persons_may_exceed"].label = _(
                "The number is not known yet but may exceed %(n)s persons"
            ) % {"n": threshold}


class LegalReportForm(forms.ModelForm):
    class Meta:
        model = LegalReport
        fields = [
            "summary",
            "items",
            "persons",
            "cause",
            "secondary_damage",
            "response_to_persons",
            "publication",
            "prevention",
            "other",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields if name != "persons"}
        help_texts = {"persons": _("Leave empty in a first report while it is being investigated.")}


class SendReportForm(forms.Form):
    sent_on = WarekiDateField(label=_("Sent on"), required=False)


class PersonNoticeForm(forms.Form):
    sent_on = WarekiDateField(label=_("Sent on"), required=False)
    persons = forms.IntegerField(
        label=_("To how many persons"), min_value=1, max_value=MAX_COUNT, required=False
    )
    means = forms.ChoiceField(label=_("By what means"), choices=NoticeMeans.choices)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class RegisterForm(forms.Form):
    year = forms.IntegerField(
        label=_("Fiscal year"), required=False, min_value=1989, max_value=2200
    )
