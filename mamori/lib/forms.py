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


class LongSelect(forms.Select):
    """A select of hundreds of options (the units of a city) rendered in one pass.

    Django renders each option through its own template; for 300 units that alone
    takes longer than the rest of a list page. Choices are read once per render.
    """

    def use_required_attribute(self, initial) -> bool:
        # Select's version reads the choices once more to look at the first option;
        # ours always start with the empty "---------".
        return forms.Widget.use_required_attribute(self, initial)

    def render(self, name, value, attrs=None, renderer=None):
        from html import escape

        from django.forms.utils import flatatt
        from django.utils.safestring import mark_safe

        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value])}
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) in selected else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")
