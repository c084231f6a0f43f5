from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.lib.forms import WarekiDateField
from mamori.org.models import Person
from mamori.premises.models import Direction, InspectionKind, ItemKind


class EmployeeField(forms.CharField):
    """A person given by employee number."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        person = Person.objects.filter(employee_no=value.strip()).first()
        if person is None:
            raise forms.ValidationError(_("No person has this employee number."))
        return person


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def clean(self, value):
        moment = super().clean(value)
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    unit = forms.ModelChoiceField(label=_("Managing unit"), queryset=None)
    systems = forms.ModelMultipleChoiceField(
        label=_("Systems in the room"), queryset=None, required=False
    )

    def __init__(self, *args, units, systems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["systems"].queryset = systems


class AuthorizationForm(forms.Form):
    person = EmployeeField(label=_("Employee number"))
    start_date = WarekiDateField(label=_("From"))
    end_date = WarekiDateField(label=_("Until"), required=False)


class EntryForm(forms.Form):
    person = EmployeeField(label=_("Employee number"), required=False)
    name = forms.CharField(label=_("Name (visitors)"), max_length=100, required=False)
    entered_at = LocalDateTimeField(label=_("Entered"))
    left_at = LocalDateTimeField(label=_("Left"), required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)


class EntryImportForm(forms.Form):
    file = forms.FileField(
        label=_("Entry log (CSV or Excel)"),
        help_text=_("Columns 入室日時, 退室日時, 職員番号, 氏名."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.MAMORI_IMPORT_MAX_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large: at most %(limit)s MB.")
                % {"limit": settings.MAMORI_IMPORT_MAX_MB}
            )
        return upload


class CarryForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    item_kind = forms.ChoiceField(label=_("Kind of item"), choices=ItemKind.choices)
    item = forms.CharField(label=_("Item"), max_length=200)
    carried_by = forms.CharField(label=_("Carried by"), max_length=200)
    attended_by = EmployeeField(label=_("Attending staff member (employee number)"), required=False)
    moved_at = LocalDateTimeField(label=_("When"))
    expected_back = WarekiDateField(label=_("To be brought back by"), required=False)


class ReturnForm(forms.Form):
    returned_on = WarekiDateField(label=_("Brought back"))


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Inspection"), choices=InspectionKind.choices)
    performed_on = WarekiDateField(label=_("Date"))
    performed_by = forms.CharField(label=_("Performed by"), max_length=200)
    result = forms.CharField(label=_("Result"), widget=forms.Textarea(attrs={"rows": 3}))
