from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mamori.incidents.models import (
    Detection,
    EmergencyPlan,
    Incident,
    PublicNotice,
    RecordKind,
    Severity,
    Status,
)
from mamori.ledger.models import InformationAsset, InformationSystem
from mamori.lib.forms import WarekiDateField
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


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class LedgerChoiceField(forms.ModelMultipleChoiceField):
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


class PersonChoiceField(forms.ModelChoiceField):
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
    year = forms.IntegerField(label=_("Fiscal year"), required=False, min_value=1989)
