"""Accounts in the information systems of the ledger (利用者ID・特権ID), their access reviews
(棚卸し), the off-boarding lists made when people leave, and ID cards (IDカード).

mamori's own sign-in accounts (mamori.accounts) are one system among these in spirit; these
are the accounts of every other system the ledger lists, kept by its system manager.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.ledger.models import AccessControl


class AccountKind(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    SHARED = "shared", _("Shared")
    SERVICE = "service", _("Service (machine)")


class AccountState(models.TextChoices):
    ENABLED = "enabled", _("Enabled")
    SUSPENDED = "suspended", _("Suspended")
    DISABLED = "disabled", _("Disabled")


class SystemAccountQuerySet(models.QuerySet):
    def usable(self):
        """Accounts that can still sign in (not disabled; suspended ones count as live)."""
        return self.exclude(state=AccountState.DISABLED)


class SystemAccount(models.Model):
    """One account (ID) in one information system: whose it is (a person, or a shared or
    service account with a responsible owner), its rights, whether it is privileged (特権ID),
    how it signs in, when it was made and last used, and whether it is still usable."""

    system = models.ForeignKey(
        "ledger.InformationSystem",
        verbose_name=_("information system"),
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    name = models.CharField(_("account name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=10, choices=AccountKind.choices, default=AccountKind.PERSONAL
    )
    holder = models.ForeignKey(
        "org.Person",
        verbose_name=_("holder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="system_accounts",
    )
    owner = models.ForeignKey(
        "org.Person",
        verbose_name=_("responsible owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_system_accounts",
        help_text=_("For shared and service accounts: the person who answers for it."),
    )
    roles = models.CharField(_("rights and roles"), max_length=300, blank=True)
    privileged = models.BooleanField(_("privileged (特権ID)"), default=False)
    authentication = models.CharField(
        _("authentication"),
        max_length=20,
        choices=AccessControl.choices,
        default=AccessControl.PASSWORD,
    )
    created_on = models.DateField(_("created on"), null=True, blank=True)
    last_used_on = models.DateField(_("last used on"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=AccountState.choices, default=AccountState.ENABLED
    )
    disabled_on = models.DateField(_("disabled on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = SystemAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("system account")
        verbose_name_plural = _("system accounts")
        ordering = ["system", "name"]
        constraints = [
            models.UniqueConstraint(fields=["system", "name"], name="sysaccount_unique_name"),
        ]
        indexes = [
            models.Index(fields=["holder", "state"], name="sysaccount_holder_idx"),
            models.Index(fields=["state", "last_used_on"], name="sysaccount_used_idx"),
            models.Index(fields=["privileged", "state"], name="sysaccount_privileged_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.system.name})"

    def get_absolute_url(self) -> str:
        return reverse("sysaccounts:account_detail", args=[self.pk])

    @property
    def responsible(self):
        return self.owner or self.holder


class AccessReview(models.Model):
    """An access review campaign (棚卸し) of one system: every usable account at opening is an
    item that a reviewer keeps, changes or revokes; revocations go to the system manager."""

    system = models.ForeignKey(
        "ledger.InformationSystem",
        verbose_name=_("information system"),
        on_delete=models.PROTECT,
        related_name="access_reviews",
    )
    title = models.CharField(_("title"), max_length=200)
    opened_on = models.DateField(_("opened on"))
    due_on = models.DateField(_("due on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sysaccounts:review_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class Decision(models.TextChoices):
    KEEP = "keep", _("Keep")
    CHANGE = "change", _("Change rights")
    REVOKE = "revoke", _("Revoke")


class ReviewItem(models.Model):
    """One account in one access review, with the reviewer's decision and, for a revocation,
    its deadline and the system manager's confirmation that it was done in the system."""

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    account = models.ForeignKey(
        SystemAccount, on_delete=models.PROTECT, related_name="review_items"
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("reviewing unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    revoke_due_on = models.DateField(_("revoke by"), null=True, blank=True)
    done_on = models.DateField(_("done in the system on"), null=True, blank=True)

    class Meta:
        verbose_name = _("access review item")
        ordering = ["review", "account__name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "account"], name="review_item_unique"),
        ]
        indexes = [
            models.Index(fields=["decision", "done_on"], name="review_item_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.review} / {self.account.name}"

    @property
    def pending_revocation(self) -> bool:
        return self.decision == Decision.REVOKE and self.done_on is None


class OffboardingReason(models.TextChoices):
    RETIREMENT = "retirement", _("Retirement")
    TRANSFER = "transfer", _("Transfer")


class OffboardingTask(models.Model):
    """One thing to close or hand back when a person leaves: an account of a system, an
    asset they kept, or an ID card. Made by the retirement, done by its keeper."""

    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=OffboardingReason.choices)
    account = models.ForeignKey(
        SystemAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    asset = models.ForeignKey(
        "ledger.InformationAsset", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    card = models.ForeignKey(
        "sysaccounts.IdCard", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("former unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("off-boarding item")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(account__isnull=False, asset__isnull=True, card__isnull=True)
                    | Q(account__isnull=True, asset__isnull=False, card__isnull=True)
                    | Q(account__isnull=True, asset__isnull=True, card__isnull=False)
                ),
                name="offboarding_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} / {self.subject_name}"

    @property
    def subject_name(self) -> str:
        if self.account_id:
            return f"{self.account.system.name}: {self.account.name}"
        if self.asset_id:
            return f"{self.asset.ledger_no} {self.asset.name}"
        return str(_("ID card %(no)s") % {"no": self.card.number})


class CardState(models.TextChoices):
    ISSUED = "issued", _("Issued")
    LOST = "lost", _("Lost")
    RETURNED = "returned", _("Returned")
    DESTROYED = "destroyed", _("Destroyed")


class IdCard(models.Model):
    """An ID card (IDカード) lent to one person for signing in to systems. Its losses, finds,
    return and destruction are trail events; a loss suspends the person's card accounts."""

    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="id_cards"
    )
    number = models.CharField(_("card number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    state = models.CharField(
        _("state"), max_length=10, choices=CardState.choices, default=CardState.ISSUED
    )
    lost_on = models.DateField(_("lost on"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    destroyed_on = models.DateField(_("destroyed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("ID card")
        verbose_name_plural = _("ID cards")
        ordering = ["person", "-issued_on"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sysaccounts:card_list")


class AccountImport(models.Model):
    """An account list exported from one system, read and checked (the preview), then stored
    all at once or not at all. The mapping of the last stored import is offered for the next
    one of the same system (each system exports its own column names)."""

    system = models.ForeignKey(
        "ledger.InformationSystem", on_delete=models.PROTECT, related_name="account_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    mapping = models.JSONField(default=dict)  # field -> column header in the file
    rows = models.JSONField(default=list)  # the checked rows (account_import.plan)
    errors = models.JSONField(default=list)  # "row / column (value): message"
    stored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("sysaccounts:import_detail", args=[self.pk])
