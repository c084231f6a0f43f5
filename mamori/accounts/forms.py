from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from mamori.accounts.models import AppRole, User
from mamori.org.forms import PersonByNumberField


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("6-digit code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6-digit code shown in your authenticator app.")},
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "maxlength": 7,
            }
        ),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label=_("Enrolment code from the administrator"),
        max_length=40,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    person = PersonByNumberField(
        label=_("Person (employee number)"),
        required=False,
        help_text=_("Leave empty only for administrator or outside-auditor accounts."),
    )
    role = forms.ChoiceField(
        label=_("Application role"), choices=AppRole.choices, initial=AppRole.STAFF
    )
    otp_required = forms.BooleanField(label=_("Require two-factor sign-in"), required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    def clean(self):
        data = super().clean()
        if data.get("role") == AppRole.STAFF and not data.get("person"):
            self.add_error("person", _("A staff account must be linked to a person."))
        return data


class UserEditForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["role", "otp_required", "is_active", "email"]
        labels = {"is_active": _("Account enabled")}


class AdminPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
