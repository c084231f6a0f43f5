"""Sign-in accounts and their application roles."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppRole(models.TextChoices):
    """What a user may do in mamori itself, apart from the policy roles they hold."""

    STAFF = "staff", _("Staff")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("System administrator")


class MamoriUserManager(UserManager):
    def get_queryset(self):
        # Every request reads the user's person, unit and position for scoping.
        return super().get_queryset().select_related("person__unit", "person__position")


class User(AbstractUser):
    """A sign-in account, linked to the person (職員) who uses it.

    Administrators and auditors may have no person (an outside auditor, the
    vendor's installation account); staff always act as a person.
    """

    person = models.OneToOneField(
        "org.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
    )
    role = models.CharField(
        _("application role"), max_length=20, choices=AppRole.choices, default=AppRole.STAFF
    )
    otp_required = models.BooleanField(
        _("two-factor sign-in required"),
        default=False,
        help_text=_("The user must confirm each sign-in with an authenticator app (TOTP)."),
    )

    objects = MamoriUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.person_id:
            return self.person.name
        full = f"{self.last_name} {self.first_name}".strip()
        return full or self.username

    @property
    def trail_name(self) -> str:
        """The actor's name as frozen into trail events."""
        return f"{self.display_name} ({self.username})"

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == AppRole.ADMIN)

    @property
    def is_auditor(self) -> bool:
        return self.is_active and self.role == AppRole.AUDITOR


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A key another system (文書管理, groupware, an antivirus console) uses to call
    the API as a user. Only a hash is stored; the key is shown once when made."""

    user = models.ForeignKey(
        User, verbose_name=_("acts as"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class EnrolmentCode(models.Model):
    """A one-time code an administrator issues so that an account that must use a second
    factor can register its authenticator (only a hash is stored; the code is shown once)."""

    user = models.ForeignKey(
        User, verbose_name=_("for"), on_delete=models.CASCADE, related_name="enrolment_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User, verbose_name=_("issued by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.issued_at:%Y-%m-%d %H:%M}"


class RecoveryCode(models.Model):
    """One of an account's one-time recovery codes for the second factor (hash only)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return str(self.user)
