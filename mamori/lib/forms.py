import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from mamori.lib.wareki import WarekiError, parse_date


def apply_validation_error(form, exc: ValidationError) -> None:
    """Show an action's ValidationError on the form: at its field where the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class WarekiDateField(forms.DateField):
    """A date typed as 2025-04-01, 2025/4/1, 令和7年4月1日 or R7.4.1 (browsers send ISO)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(value)
        except WarekiError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
