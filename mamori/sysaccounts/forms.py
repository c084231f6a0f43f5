from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mamori.ledger.models import AccessControl
from mamori.lib.forms import WarekiDateField, fast_selects
from mamori.org.forms import PersonByNumberField
from mamori.sysaccounts.models import AccountKind, AccountState, CardState, Decision


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Account or holder"), required=False, max_length=100)
    # A code, not a select: 仙台市 has 800 systems.
    system = forms.CharField(label=_("System code"), required=False, max_length=40)
    state = forms.ChoiceField(label=_("State"), required=False)
    privileged = forms.ChoiceField(
        label=_("Privileged"),
        required=False,
        choices=[("", _("All")), ("yes", _("Privileged only"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All"))] + list(AccountState.choices)
        fast_selects(self)


class AccountForm(forms.Form):
    system = forms.ChoiceField(label=_("Information system"))
    name = forms.CharField(label=_("Account name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=AccountKind.choices)
    holder = PersonByNumberField(label=_("Holder (employee number)"), required=False, max_length=20)
    owner = PersonByNumberField(
        label=_("Responsible owner (employee number)"),
        required=False,
        max_length=20,
        help_text=_("For shared and service accounts."),
    )
    roles = forms.CharField(label=_("Rights and roles"), required=False, max_length=300)
    privileged = forms.BooleanField(label=_("Privileged (特権ID)"), required=False)
    authentication = forms.ChoiceField(label=_("Authentication"), choices=AccessControl.choices)
    created_on = WarekiDateField(label=_("Created on"), required=False)
    last_used_on = WarekiDateField(label=_("Last used on"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, systems=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.systems = {str(s.pk): s for s in systems}
        self.fields["system"].choices = [("", "---------")] + [
            (key, f"{s.code} {s.name}") for key, s in self.systems.items()
        ]
        if editing:
            for name in ("system", "name", "created_on"):
                del self.fields[name]
        fast_selects(self)

    def clean_system(self):
        return self.systems[self.cleaned_data["system"]]


class DisableForm(forms.Form):
    on = WarekiDateField(label=_("Disabled in the system on"))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class ReviewForm(forms.Form):
    system = forms.ChoiceField(label=_("Information system"))
    title = forms.CharField(label=_("Title"), max_length=200)
    due_on = WarekiDateField(label=_("Due on"))

    def __init__(self, *args, systems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.systems = {str(s.pk): s for s in systems}
        self.fields["system"].choices = [("", "---------")] + [
            (key, f"{s.code} {s.name}") for key, s in self.systems.items()
        ]
        fast_selects(self)

    def clean_system(self):
        return self.systems[self.cleaned_data["system"]]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)


class CardForm(forms.Form):
    person = PersonByNumberField(label=_("Holder (employee number)"), max_length=20)
    number = forms.CharField(label=_("Card number"), max_length=40)
    issued_on = WarekiDateField(label=_("Issued on"))


class CardMarkForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Mark as"),
        choices=[
            (CardState.ISSUED, _("Found")),
            (CardState.RETURNED, _("Returned")),
            (CardState.DESTROYED, _("Destroyed")),
        ],
    )


class ImportForm(forms.Form):
    """An account list and the column of each field (the system's saved mapping first)."""

    file = forms.FileField(label=_("Account list (.xlsx or .csv)"))

    def __init__(self, *args, mapping=None, **kwargs):
        from mamori.sysaccounts.account_import import FIELDS

        super().__init__(*args, **kwargs)
        for field, label in FIELDS.items():
            self.fields[f"col_{field}"] = forms.CharField(
                label=_("Column for: %(field)s") % {"field": label},
                required=field == "name",
                max_length=100,
                initial=(mapping or {}).get(field, ""),
            )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAMORI_IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most %(limit)s MB can be imported at once.")
                % {
                    "size": round(upload.size / 1024 / 1024, 1),
                    "limit": settings.MAMORI_IMPORT_MAX_MB,
                }
            )
        return upload

    def mapping(self) -> dict:
        return {
            name[4:]: value.strip()
            for name, value in self.cleaned_data.items()
            if name.startswith("col_") and value.strip()
        }
