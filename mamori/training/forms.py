from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mamori.lib.forms import WarekiDateField

NUMBERS_HELP = _("Employee numbers, separated by spaces, commas or new lines.")


def split_numbers(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").replace("、", " ").split() if part]


class CourseForm(forms.Form):
    rule_key = forms.ChoiceField(label=_("Duty of the policy"))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_key"].choices = [(r.key, r.title or r.key) for r in rules]


class SessionForm(forms.Form):
    held_on = WarekiDateField(label=_("Date held"))
    place = forms.CharField(label=_("Place or form"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AttendanceForm(forms.Form):
    employee_numbers = forms.CharField(
        label=_("Attendees"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=NUMBERS_HELP,
        max_length=200_000,
    )

    def clean_employee_numbers(self):
        return split_numbers(self.cleaned_data["employee_numbers"])


class DrillForm(forms.Form):
    rule_key = forms.ChoiceField(label=_("Duty of the policy"))
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = WarekiDateField(label=_("Date held"))
    scenario = forms.CharField(label=_("Scenario"), widget=forms.Textarea)
    results = forms.CharField(label=_("Results and lessons"), required=False, widget=forms.Textarea)
    employee_numbers = forms.CharField(
        label=_("Participants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=NUMBERS_HELP,
        max_length=200_000,
    )

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_key"].choices = [(r.key, r.title or r.key) for r in rules]

    def clean_employee_numbers(self):
        return split_numbers(self.cleaned_data["employee_numbers"])


class AttendanceImportForm(forms.Form):
    file = forms.FileField(
        label=_("Attendance list (CSV or Excel)"),
        help_text=_("A column 職員番号 (employee number); other columns are ignored."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAMORI_IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is too large: at most %(limit)s MB.")
                % {"limit": settings.MAMORI_IMPORT_MAX_MB}
            )
        return upload
