import datetime as dt
from html import escape

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

from mamori.lib.identifiers import normalize_code
from mamori.lib.wareki import WarekiError, parse_date


class CodeField(forms.CharField):
    """A ledger number, 職員番号 or code: NFKC-normalised and trimmed (lib.identifiers)."""

    def to_python(self, value):
        return normalize_code(super().to_python(value))


def flash_errors(request, form=None, exc: ValidationError | None = None, *, labels=True) -> None:
    """A refused post that redirects: the action's messages and the form's errors as error
    messages on the next page (each prefixed with its field's label, unless `labels` is off)."""

    if exc is not None:
        for message in exc.messages:
            messages.error(request, message)
    if form is not None:
        for name, errors in form.errors.items():
            label = form.fields[name].label if labels and name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)


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


class FastSelect(forms.Select):
    """A select rendered in one pass, without a template per option.

    Django renders each option through its own template; for the 300 units of a city
    that alone takes longer than the rest of a list page. Choices are read once per
    render. Flat choices only (no groups).
    """

    def use_required_attribute(self, initial) -> bool:
        # Select's version reads the choices once more to look at the first option.
        return forms.Widget.use_required_attribute(self, initial) and self.is_required

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value])}
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) in selected else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")


def fast_selects(form: forms.Form) -> None:
    """Render every single-choice select of `form` in one pass (filter forms of lists)."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            field.widget = FastSelect(attrs=widget.attrs, choices=field.choices)
            field.widget.is_required = widget.is_required


# Numbers and keys from requests ----------------------------------------------------------------

MAX_ID = 2**63 - 1  # the largest key a table can hold (bigint)
MAX_COUNT = 2**31 - 1  # the largest count or order an integer column holds


def object_id(value) -> int | None:
    """The value as the key of a row (1 … 2**63-1), or None when it cannot be one
    ("x", "1e20", twenty digits, NUL characters): lookups then find nothing instead of
    failing in the database."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


class IdsMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Rows picked by key; a value that cannot be a key is the field's error, not a 500."""

    def _check_values(self, value):
        if self.to_field_name is None:
            for pk in value:
                if object_id(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


class IdChoiceField(forms.ModelChoiceField):
    """A row picked by key; a value that cannot be a key is the field's error, not a 500."""

    def to_python(self, value):
        if value not in self.empty_values and self.to_field_name is None:
            if object_id(value) is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)
