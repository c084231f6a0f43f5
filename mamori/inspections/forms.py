"""The forms of the self-inspection and audit screens: every value a user posts is
validated here before an action sees it (bad input: the form's error, never a 500)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mamori.accounts.models import User
from mamori.inspections.models import AnswerValue, Severity
from mamori.lib.forms import IdChoiceField, IdsMultipleChoiceField
from mamori.org.models import OrgUnit
from mamori.policy.models import Clause

# A year mamori could hold a campaign or an audit for.
YEARS = {"min_value": 2000, "max_value": 2200}


def _units():
    return OrgUnit.objects.active().order_by("code")


class CampaignForm(forms.Form):
    fiscal_year = forms.IntegerField(label=gettext_lazy("Fiscal year"), **YEARS)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    deadline = forms.DateField(
        label=gettext_lazy("Deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    units = IdsMultipleChoiceField(
        label=gettext_lazy("Units"), queryset=OrgUnit.objects.none(), widget=forms.SelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _units()


class CampaignChangeForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    deadline = forms.DateField(
        label=gettext_lazy("Deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )


class AuditPlanForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    fiscal_year = forms.IntegerField(label=gettext_lazy("Fiscal year"), **YEARS)
    units = IdsMultipleChoiceField(
        label=gettext_lazy("Units audited"), queryset=OrgUnit.objects.none()
    )
    auditors = IdsMultipleChoiceField(label=gettext_lazy("Auditors"), queryset=User.objects.none())
    start_on = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_on = forms.DateField(
        label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _units()
        self.fields["auditors"].queryset = User.objects.filter(is_active=True).order_by("username")


class AnswersForm(forms.Form):
    """The answers of a checklist: for each question `q<id>` (an answer value, or empty)
    and `c<id>` (a comment); `submit` to hand the checklist in as well."""

    submit = forms.BooleanField(required=False)

    def __init__(self, *args, question_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.question_ids = list(question_ids)
        for pk in self.question_ids:
            self.fields[f"q{pk}"] = forms.ChoiceField(
                choices=[("", "")] + list(AnswerValue.choices),
                required=False,
                error_messages={"invalid_choice": _("「%(value)s」 is not an answer.")},
            )
            self.fields[f"c{pk}"] = forms.CharField(required=False, max_length=2000)

    def answers(self) -> dict[int, tuple[str, str]]:
        """{question id: (value, comment)} for the questions answered or commented on."""
        out = {}
        for pk in self.question_ids:
            value = self.cleaned_data.get(f"q{pk}", "")
            comment = self.cleaned_data.get(f"c{pk}", "")
            if value or comment:
                out[pk] = (value, comment)
        return out


class QuestionForm(forms.Form):
    """A question the security office adds to a draft checklist, citing a clause."""

    text = forms.CharField(max_length=2000, required=False)
    clause = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version

    def clean_clause(self):
        ref = " ".join(self.cleaned_data["clause"].split())
        if not ref:
            return None
        return (
            Clause.objects.filter(document__version=self.version, ref=ref)
            .select_related("document")
            .first()
        )


class QuestionEditForm(forms.Form):
    text = forms.CharField(max_length=2000, required=False)
    remove = forms.BooleanField(required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(error_messages={"required": gettext_lazy("Choose a file.")})


class ActionProgressForm(forms.Form):
    """A corrective action reported done (with what was done), or verified."""

    note = forms.CharField(max_length=4000, required=False)
    verify = forms.BooleanField(required=False)


class FindingForm(forms.Form):
    """A finding of an audit: among the plan's units, citing clauses of the policy in force."""

    severity = forms.ChoiceField(choices=Severity.choices, required=False)
    description = forms.CharField(max_length=4000, required=False)
    units = IdsMultipleChoiceField(queryset=OrgUnit.objects.none(), required=False)
    clauses = forms.CharField(max_length=1000, required=False)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = plan.units.all()

    def clean_severity(self):
        return self.cleaned_data["severity"] or Severity.MEDIUM

    def clean_clauses(self):
        refs = [r.strip() for r in self.cleaned_data["clauses"].split(",") if r.strip()]
        clauses = list(Clause.objects.filter(document__version__is_active=True, ref__in=refs))
        if len(clauses) != len(set(refs)):
            raise ValidationError(_("A clause was not found in the policy in force."))
        return clauses


class FindingActionForm(forms.Form):
    """A corrective action opened on a finding, for one of its units."""

    unit = IdChoiceField(
        queryset=OrgUnit.objects.none(),
        error_messages={
            "required": gettext_lazy("Choose a unit of the finding."),
            "invalid_choice": gettext_lazy("Choose a unit of the finding."),
        },
    )
    description = forms.CharField(max_length=4000, required=False)
    due_on = forms.DateField(required=False)

    def __init__(self, *args, finding, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = finding.units.all()


class FollowUpRequestForm(forms.Form):
    """Other units asked to check whether the finding applies to them too."""

    units = IdsMultipleChoiceField(queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _units()


class FollowUpAnswerForm(forms.Form):
    applies = forms.TypedChoiceField(
        label=gettext_lazy("Was the same issue found in the unit?"),
        choices=[
            ("no", gettext_lazy("No, it does not apply to this unit")),
            ("yes", gettext_lazy("Yes, it was found: a corrective action is opened")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=gettext_lazy("What was checked and found (or what will be done)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due date of the corrective action"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Only when found; empty: the usual period."),
    )
