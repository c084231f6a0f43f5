from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.ledger.forms import ClassificationFields
from mamori.ledger.models import InformationSystem
from mamori.lib.forms import WarekiDateField
from mamori.org.forms import PersonByNumberField, UnitChoiceField
from mamori.policy.vocabulary import ServiceType

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class SystemCodesField(forms.CharField):
    """Systems of the ledger named by their codes, separated by commas."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Systems (system codes)"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("help_text", _("Codes of the systems concerned, separated by commas."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        codes = [c.strip() for c in (value or "").replace("、", ",").split(",") if c.strip()]
        systems = list(InformationSystem.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {s.code for s in systems})
        if missing:
            raise forms.ValidationError(
                _("No system has the code %(codes)s.") % {"codes": "、".join(missing)}
            )
        return systems


class ContractForm(forms.Form):
    title = forms.CharField(label=_("Contract"), max_length=200)
    contractor = forms.CharField(label=_("Contractor"), max_length=200)
    owner_unit = UnitChoiceField(label=_("Owner unit"))
    systems = SystemCodesField()
    scope = forms.CharField(label=_("Work outsourced"), widget=TEXTAREA, required=False)
    starts_on = WarekiDateField(label=_("Contract starts"))
    ends_on = WarekiDateField(label=_("Contract ends"))
    subcontractors = forms.CharField(
        label=_("Subcontractors"),
        widget=TEXTAREA,
        required=False,
        help_text=_("Each subcontractor and what it does; empty when there is none."),
    )
    emergency_contact = forms.CharField(
        label=_("Emergency-report contact"), max_length=300, required=False
    )
    notes = forms.CharField(label=_("Notes"), widget=TEXTAREA, required=False)


class ClauseLocationsForm(forms.Form):
    """One field per item the policy requires: where the contract states it."""

    def __init__(self, *args, items=(), locations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for rule in self.items:
            self.fields[rule.contract_item] = forms.CharField(
                label=rule.label,
                max_length=100,
                required=False,
                initial=(locations or {}).get(rule.contract_item, ""),
                help_text=_("Where the contract states it (e.g. 第5条); empty when it does not."),
            )

    def locations(self) -> dict[str, str]:
        return {rule.contract_item: self.cleaned_data[rule.contract_item] for rule in self.items}


class ConfirmationForm(forms.Form):
    confirmed_on = WarekiDateField(label=_("Confirmed on"))
    method = forms.CharField(
        label=_("How"),
        max_length=200,
        help_text=_("e.g. the contractor's report checked, an on-site inspection"),
    )
    result = forms.CharField(label=_("Result"), widget=TEXTAREA)
    evidence = forms.CharField(label=_("Evidence kept at"), max_length=300, required=False)


class ServiceForm(ClassificationFields, forms.Form):
    name = forms.CharField(label=_("Service"), max_length=200)
    provider = forms.CharField(label=_("Provider"), max_length=200)
    service_type = forms.ChoiceField(label=_("Kind of service"), choices=ServiceType.choices)
    cloud = forms.BooleanField(label=_("Cloud service"), required=False)
    owner_unit = UnitChoiceField(label=_("Owner unit"))
    systems = SystemCodesField()
    purpose = forms.CharField(label=_("Used for"), widget=TEXTAREA, required=False)
    data_stored = forms.CharField(label=_("Information stored"), max_length=300, required=False)
    encrypted = forms.BooleanField(label=_("Stored data encrypted"), required=False)
    assessed_on = WarekiDateField(label=_("Terms or criteria reviewed on"), required=False)
    assessed_by = forms.CharField(label=_("Reviewed by"), max_length=100, required=False)
    assessment = forms.CharField(label=_("Review result"), widget=TEXTAREA, required=False)
    started_on = WarekiDateField(label=_("In use from"), required=False)
    ended_on = WarekiDateField(label=_("Use ended on"), required=False)
    erased_on = WarekiDateField(label=_("Data erased on"), required=False)
    erasure = forms.CharField(label=_("How the data was erased"), max_length=300, required=False)
    notes = forms.CharField(label=_("Notes"), widget=TEXTAREA, required=False)

    def __init__(self, *args, context=None, classification=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_classification_fields(context, classification)

    def values(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("class_")}
        data["classification"] = self.classification()
        return data


class AccountForm(forms.Form):
    service = forms.CharField(
        label=_("Social media service"), max_length=100, help_text=_("e.g. X, Facebook, LINE")
    )
    account = forms.CharField(label=_("Account"), max_length=200)
    owner_unit = UnitChoiceField(label=_("Owner unit"))
    responsible = PersonByNumberField(
        label=_("Responsible person (employee number)"), max_length=20, required=False
    )
    purpose = forms.CharField(label=_("What is posted"), widget=TEXTAREA, required=False)
    verification_url = forms.URLField(
        label=_("Verification page on our own site"),
        required=False,
        assume_scheme="https",
        help_text=_("The page of the organization's own site that lists this account."),
    )
    credential_custody = forms.CharField(
        label=_("Authentication information kept"),
        max_length=300,
        required=False,
        help_text=_("Where the password and recovery codes are kept and who holds them."),
    )
    opened_on = WarekiDateField(label=_("Opened on"), required=False)
    closed_on = WarekiDateField(label=_("Closed on"), required=False)
    taken_over_on = WarekiDateField(label=_("Taken over on"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=TEXTAREA, required=False)
