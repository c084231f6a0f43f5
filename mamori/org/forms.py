from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.lib.forms import (
    MAX_COUNT,
    CodeField,
    FastSelect,
    IdChoiceField,
    WarekiDateField,
    object_id,
)
from mamori.lib.identifiers import normalize_code
from mamori.org.models import EmploymentType, OrgUnit, Person, Position, UnitKind
from mamori.org.tree import unit_choices


class PersonByNumberField(forms.CharField):
    """A person chosen by employee number: works with 15,000 people, unlike a select."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        value = normalize_code(value)
        person = Person.objects.filter(employee_no=value).select_related("unit").first()
        if person is None:
            raise forms.ValidationError(_("No person has employee number %(no)s.") % {"no": value})
        return person


class UnitChoiceField(forms.ChoiceField):
    """An active unit picked from the tree; returns the OrgUnit."""

    default_error_messages = {"invalid_choice": _("No such unit (it may have been abolished).")}

    widget = FastSelect

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", lambda: [("", "---------")] + unit_choices())
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        key = object_id(value)
        unit = OrgUnit.objects.active().filter(pk=key).first() if key else None
        if unit is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return unit

    def valid_value(self, value):
        # The choice list is checked in clean() against the database instead.
        return True


class UnitForm(forms.Form):
    code = CodeField(label=_("Unit code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    parent = UnitChoiceField(label=_("Parent unit"), required=False)
    sort_order = forms.IntegerField(
        label=_("Display order"), min_value=0, max_value=MAX_COUNT, initial=0
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    is_lead = forms.BooleanField(label=_("Lead division (主管課)"), required=False)


class CloseUnitForm(forms.Form):
    closed_on = WarekiDateField(label=_("Abolished on"))


class PositionChoiceField(IdChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Position.objects.all())
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Position"))
        super().__init__(**kwargs)


class HireForm(forms.Form):
    employee_no = CodeField(label=_("Employee number"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_kana = forms.CharField(label=_("Reading (furigana)"), max_length=100)
    employment_type = forms.ChoiceField(label=_("Employment type"), choices=EmploymentType.choices)
    unit = UnitChoiceField(label=_("Unit"))
    position = PositionChoiceField()
    start_date = WarekiDateField(label=_("Start date"))
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone / extension"), max_length=30, required=False)


class PersonEditForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["name", "name_kana", "employment_type", "email", "phone"]


class TransferForm(forms.Form):
    unit = UnitChoiceField(label=_("New unit"))
    position = PositionChoiceField(label=_("New position"))
    effective_date = WarekiDateField(label=_("Effective date"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class RetireForm(forms.Form):
    retirement_date = WarekiDateField(label=_("Retirement date"))


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, reading or employee number"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )


class AbsenceForm(forms.Form):
    start_date = WarekiDateField(label=_("From"))
    end_date = WarekiDateField(label=_("Until"))
    reason = forms.CharField(label=_("Reason"), max_length=100, required=False)
