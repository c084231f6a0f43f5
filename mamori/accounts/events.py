from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthEvent(models.TextChoices):
    LOGIN = "auth.login", _("Signed in")
    LOGIN_FAILED = "auth.login_failed", _("Sign-in failed")
    LOCKED_OUT = "auth.locked_out", _("Sign-in refused: account locked")
    OTP_FAILED = "auth.otp_failed", _("Second factor failed")
    LOGOUT = "auth.logout", _("Signed out")
    PASSWORD_CHANGED = "auth.password_changed", _("Password changed")
    OTP_ENROLLED = "auth.otp_enrolled", _("Authenticator registered")
    OTP_REMOVED = "auth.otp_removed", _("Authenticator removed")
    ENROLMENT_CODE_ISSUED = "auth.enrolment_code_issued", _("Enrolment code issued")
    ENROLMENT_CODE_USED = "auth.enrolment_code_used", _("Enrolment code used")
    ENROLMENT_CODE_FAILED = "auth.enrolment_code_failed", _("Wrong enrolment code")
    RECOVERY_CODES_MADE = "auth.recovery_codes_made", _("Recovery codes made")
    RECOVERY_CODE_USED = "auth.recovery_code_used", _("Recovery code used")
    LOGIN_DELAYED = "auth.login_delayed", _("Sign-in refused: wait before trying again")
    USER_CREATED = "user.created", _("User account created")
    USER_CHANGED = "user.changed", _("User account changed")
    USER_PASSWORD_SET = "user.password_set", _("Password set by administrator")
    USER_UNLOCKED = "user.unlocked", _("Lock-out lifted")
    USER_DEACTIVATED = "user.deactivated", _("User account disabled")
    TOKEN_CREATED = "user.token_created", _("API token created")
    TOKEN_REVOKED = "user.token_revoked", _("API token revoked")
