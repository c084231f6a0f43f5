from django import forms
from django.utils.translation import gettext_lazy as _


class ReviewYearForm(forms.Form):
    """The 年度 of the policy-review material: a year mamori could have data for."""

    year = forms.IntegerField(
        label=_("Fiscal year"), required=False, min_value=1989, max_value=2200
    )
