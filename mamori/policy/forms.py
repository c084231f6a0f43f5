from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.lib.forms import WarekiDateField
from mamori.org.forms import PersonByNumberField, UnitChoiceField
from mamori.policy.models import Modality


class ObligationFilterForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), required=False)
    modality = forms.ChoiceField(label=_("Modality"), required=False)
    q = forms.CharField(label=_("Text or clause"), required=False)
    unmapped = forms.BooleanField(label=_("Binding no role"), required=False)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All roles"))] + [
            (r.key, r.name) for r in version.roles.all()
        ]
        self.fields["modality"].choices = [("", _("All"))] + list(Modality.choices)


class DesignationForm(forms.Form):
    role_key = forms.ChoiceField(label=_("Role"))
    person = PersonByNumberField(label=_("Person (employee number)"))
    unit = UnitChoiceField(label=_("For unit"), required=False)
    start_date = WarekiDateField(label=_("From"), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, context, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role_key"].choices = [
            (role.key, role.name)
            for role in context.roles.values()
            if role.holder.get("designated") is True
        ]

    def clean_person(self):
        person = self.cleaned_data.get("person")
        if person is None:
            raise forms.ValidationError(_("Enter the employee number of the person to designate."))
        return person
