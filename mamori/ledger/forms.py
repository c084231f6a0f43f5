from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mamori.ledger.models import (
    AccessControl,
    AssetSubkind,
    DisposalState,
    InformationSystem,
    LedgerSubject,
    NetworkZone,
    RecordKind,
    Source,
)
from mamori.lib.forms import MAX_COUNT, CodeField, IdChoiceField, WarekiDateField, fast_selects
from mamori.lib.identifiers import normalize_code
from mamori.org.forms import PersonByNumberField, UnitChoiceField
from mamori.org.models import OrgUnit
from mamori.policy.vocabulary import AssetKind

SORTS = {
    "ledger_no": ("ledger_no",),
    "-ledger_no": ("-ledger_no",),
    "name": ("name", "ledger_no"),
    "unit": ("owner_unit__code", "ledger_no"),
    "updated": ("-updated_at", "ledger_no"),
    "class": ("level_rank", "ledger_no"),
}


def _axis_threshold_choices(context) -> list[tuple[str, str]]:
    choices = [("", _("Any classification"))]
    if context:
        for axis in context.axes.values():
            for label in axis.labels:
                choices.append((f"{axis.key}:{label}", f"{axis.name} {label}{_(' or above')}"))
    return choices


class AssetFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or ledger number"), required=False)
    unit = UnitChoiceField(label=_("Unit (and below)"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    level = forms.ChoiceField(label=_("Classification"), required=False)
    finding = forms.ChoiceField(label=_("Finding"), required=False)
    state = forms.ChoiceField(
        label=_("Disposal"),
        required=False,
        choices=[("", _("In use")), ("disposed", _("Disposed of")), ("all", _("All"))],
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("ledger_no", _("Ledger number")),
            ("name", pgettext_lazy("thing", "Name")),
            ("unit", _("Unit")),
            ("class", _("Classification, highest first")),
            ("updated", _("Recently updated")),
        ],
    )

    def __init__(self, *args, context=None, checks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All"))] + list(AssetKind.choices)
        self.fields["level"].choices = _axis_threshold_choices(context)
        self.fields["finding"].choices = [("", _("All")), ("any", _("With any finding"))] + [
            (check.id, check.title) for check in checks
        ]
        fast_selects(self)


class SystemFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False)
    unit = UnitChoiceField(label=_("Unit (and below)"), required=False)
    zone = forms.ChoiceField(label=_("Network zone"), required=False)
    important = forms.ChoiceField(
        label=_("Important system"),
        required=False,
        choices=[("", _("All")), ("yes", _("Important only"))],
    )
    finding = forms.ChoiceField(label=_("Finding"), required=False)

    def __init__(self, *args, checks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = [("", _("All"))] + list(NetworkZone.choices)
        self.fields["finding"].choices = [("", _("All")), ("any", _("With any finding"))] + [
            (check.id, check.title) for check in checks
        ]
        fast_selects(self)


class ClassificationFields:
    """One level choice per axis of the scheme in force."""

    def add_classification_fields(
        self, context, initial: dict | None = None, *, required_primary: bool = False
    ):
        self.axis_fields = []
        if not context:
            return
        for index, axis in enumerate(context.axes.values()):
            name = f"class_{axis.key}"
            self.fields[name] = forms.ChoiceField(
                label=axis.name,
                required=required_primary and index == 0,
                choices=[("", "—")] + [(label, label) for label in axis.labels],
                initial=(initial or {}).get(axis.key, ""),
            )
            self.axis_fields.append((axis.key, name))

    def classification(self) -> dict:
        return {
            key: self.cleaned_data[name]
            for key, name in self.axis_fields
            if self.cleaned_data.get(name)
        }


class PersonalDataFields(forms.Form):
    """The personal-information markings: what decides whether a leak is reported by law."""

    personal_data = forms.BooleanField(
        label=_("Holds personal information (個人情報)"), required=False
    )
    sensitive_personal_data = forms.BooleanField(
        label=_("Holds sensitive personal information (要配慮個人情報)"),
        required=False,
        help_text=_(
            "Medical history, disability, criminal record, having been a victim of crime "
            "…, and the information the municipality's ordinance adds (条例要配慮個人情報)."
        ),
    )
    personal_data_persons = forms.IntegerField(
        label=_("Number of persons (本人の数)"),
        min_value=0,
        max_value=MAX_COUNT,
        required=False,
    )
    strong_encryption = forms.BooleanField(
        label=_("Protected by strong encryption or an equivalent measure (高度な暗号化等)"),
        required=False,
        help_text=_("Encrypted so that the data cannot be read without a key kept apart."),
    )


class AssetForm(ClassificationFields, PersonalDataFields):
    ledger_no = CodeField(label=_("Ledger number"), max_length=40)
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=AssetKind.choices)
    subkind = forms.ChoiceField(label=_("Type"), choices=AssetSubkind.choices)
    owner_unit = UnitChoiceField(label=_("Owner unit"))
    manager = PersonByNumberField(label=_("Manager (employee number)"), required=False)
    location = forms.CharField(label=_("Kept at"), max_length=200, required=False)
    lockable = forms.BooleanField(label=_("Lockable place"), required=False)
    contents = forms.MultipleChoiceField(
        label=_("Classifications of the contents (media)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A medium holding information of several classifications is handled as the highest of them."
        ),
    )
    handling_restrictions = forms.CharField(
        label=_("Handling restrictions (取扱制限)"), max_length=300, required=False
    )
    obtained_on = WarekiDateField(label=_("Created or obtained on"), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    retention_years = forms.IntegerField(
        label=_("Retention (years)"), min_value=0, max_value=100, required=False
    )
    disposal_state = forms.ChoiceField(label=_("Disposal"), choices=DisposalState.choices)
    disposed_on = WarekiDateField(label=_("Disposed of on"), required=False)
    access_control = forms.ChoiceField(label=_("Access control"), choices=AccessControl.choices)
    backed_up = forms.BooleanField(label=_("Backed up"), required=False)
    last_backup_on = WarekiDateField(label=_("Last backup"), required=False)
    system = IdChoiceField(
        label=_("Information system"), queryset=InformationSystem.objects.none(), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, context=None, systems=None, classification=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.context = context
        self.add_classification_fields(context, classification)
        if systems is not None:
            self.fields["system"].queryset = systems
        if context:
            axis = context.primary_axis()
            self.fields["contents"].choices = [
                (label, f"{axis.name} {label}") for label in axis.labels
            ]

    def values(self) -> dict:
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if not k.startswith("class_") and k != "contents"
        }
        data["classification"] = self.classification()
        if self.context and self.cleaned_data.get("contents"):
            axis = self.context.primary_axis()
            data["contents"] = [{axis.key: label} for label in self.cleaned_data["contents"]]
        else:
            data["contents"] = []
        return data


class SystemForm(ClassificationFields, PersonalDataFields):
    code = CodeField(label=_("System code"), max_length=40)
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=200)
    owner_unit = UnitChoiceField(label=_("Owner unit"))
    manager = PersonByNumberField(
        label=_("System manager (employee number)"),
        required=False,
        help_text=_("Leave empty: the head of the owning division, as the policy appoints."),
    )
    zone = forms.ChoiceField(label=_("Network zone"), choices=NetworkZone.choices)
    user_units = forms.CharField(
        label=_("Used by (unit codes)"),
        required=False,
        help_text=_("Codes of the units that use the system, separated by commas."),
    )
    authentication = forms.ChoiceField(label=_("Authentication"), choices=AccessControl.choices)
    usable_by_outsiders = forms.BooleanField(
        label=_("Usable by people outside the staff"), required=False
    )
    cloud_service = forms.CharField(label=_("Cloud service used"), max_length=200, required=False)
    telework = forms.BooleanField(label=_("Used for telework"), required=False)
    outage_day_serious = forms.BooleanField(
        label=_("An outage of a day or more would seriously disrupt work"), required=False
    )
    designated_important = forms.BooleanField(label=_("Designated important"), required=False)
    backup_schedule = forms.CharField(label=_("Backup schedule"), max_length=100, required=False)
    last_backup_on = WarekiDateField(label=_("Last backup"), required=False)
    spec_location = forms.CharField(
        label=_("Specification documents kept at"), max_length=200, required=False
    )
    spec_version = forms.CharField(label=_("Specification version"), max_length=50, required=False)
    retired_on = WarekiDateField(label=_("Retired on"), required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, context=None, classification=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_classification_fields(context, classification)

    def clean_user_units(self):
        codes = [
            normalize_code(c)
            for c in self.cleaned_data["user_units"].replace("、", ",").split(",")
            if normalize_code(c)
        ]
        units = list(OrgUnit.objects.active().filter(code__in=codes))
        missing = sorted(set(codes) - {u.code for u in units})
        if missing:
            raise forms.ValidationError(
                _("No unit has the code %(codes)s.") % {"codes": "、".join(missing)}
            )
        return units

    def values(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("class_")}
        data["classification"] = self.classification()
        return data


class SoftwareForm(forms.Form):
    name = forms.CharField(label=_("Software"), max_length=200)
    version = forms.CharField(label=_("Version"), max_length=50, required=False)
    end_of_support = WarekiDateField(label=_("End of support"), required=False)


class ConnectionForm(forms.Form):
    to_zone = forms.ChoiceField(label=_("To zone"), choices=NetworkZone.choices)
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    sanitized = forms.BooleanField(label=_("Sanitized transfer (無害化)"), required=False)
    restricted = forms.BooleanField(label=_("Restricted to verified peers"), required=False)
    approved_by = PersonByNumberField(label=_("Approved by (employee number)"), required=False)
    approved_on = WarekiDateField(label=_("Approved on"), required=False)


class SystemRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RecordKind.choices)
    performed_on = WarekiDateField(label=_("Date"))
    description = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2})
    )
    performed_by = forms.CharField(label=_("Performed by"), max_length=200, required=False)


class ReviewForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"))
    subject = forms.ChoiceField(label=_("Ledger"), choices=LedgerSubject.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Ledger file (.xlsx or .csv)"))

    @staticmethod
    def too_large(size: int) -> str:
        return _(
            "The file is %(size)s MB; at most %(limit)s MB can be imported at once. Split it by unit."
        ) % {"size": round(size / 1024 / 1024, 1), "limit": settings.MAMORI_IMPORT_MAX_MB}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAMORI_IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(self.too_large(upload.size))
        return upload


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")], initial="xlsx"
    )
    encoding = forms.ChoiceField(
        label=_("CSV encoding"),
        choices=[("utf-8-sig", _("UTF-8 (with BOM)")), ("cp932", _("Shift_JIS (CP932)"))],
        initial="utf-8-sig",
        required=False,
    )
    replace = forms.BooleanField(
        label=_("Replace characters Shift_JIS cannot hold (𠮷→吉, otherwise 〓)"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fast_selects(self)
