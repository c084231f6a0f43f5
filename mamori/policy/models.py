"""An organization's security policy as data: versions, documents, clauses,
obligations, roles, the classification scheme and the rules other apps ask about.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Policy(models.Model):
    """One organization's information security policy (情報セキュリティポリシー), across versions."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    organization = models.CharField(_("organization"), max_length=200)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.organization


class PolicyVersionQuerySet(models.QuerySet):
    def active(self) -> "PolicyVersionQuerySet":
        return self.filter(is_active=True)


class PolicyVersion(models.Model):
    """One loaded policy pack: the text and rules in force from a given revision.

    Exactly one version in the installation is active; earlier ones stay readable.
    """

    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    label = models.CharField(_("revision"), max_length=100)
    effective_date = models.DateField(_("effective from"), null=True, blank=True)
    digest = models.CharField(_("pack digest"), max_length=64)
    pack = models.JSONField(_("pack"), help_text=_("The validated pack, as loaded."))
    is_active = models.BooleanField(_("active"), default=False)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "number"], name="policy_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["policy", "digest"], name="policy_version_digest_unique"
            ),
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="policy_one_active_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number} ({self.label})"


class DocumentKind(models.TextChoices):
    BASIC_POLICY = "basic_policy", _("Basic policy (基本方針)")
    STANDARDS = "standards", _("Standards (対策基準)")
    POLICY = "policy", _("Policy (基本方針と対策基準)")
    PROCEDURE = "procedure", _("Procedure (実施手順)")


class PolicyDocument(models.Model):
    """One document of a version, with its source text as loaded."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="documents")
    key = models.SlugField(_("key"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    is_public = models.BooleanField(_("public"), default=False)
    source_text = models.TextField(_("source text"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="policy_document_key_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Clause(models.Model):
    """A numbered item of a policy document: 4(2)⑦(イ), 第2章(8)④(ii)."""

    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="clauses")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    path = models.JSONField(_("path"))
    ref = models.CharField(_("reference"), max_length=200, db_index=True)
    heading = models.CharField(_("heading"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    order = models.PositiveIntegerField(default=0)
    is_public = models.BooleanField(_("public"), default=False)

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["document", "order"]
        constraints = [
            models.UniqueConstraint(fields=["document", "ref"], name="policy_clause_ref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document.title} {self.ref}"

    @property
    def anchor(self) -> str:
        return clause_anchor(self.path)

    @property
    def citation(self) -> str:
        """根拠: 茅野市情報セキュリティ対策基準 4(2)⑦(イ)."""
        return f"{self.document.title} {self.ref}"


def clause_ref(path: list[str]) -> str:
    """4(2)⑦(イ): labels joined as written, with a space before a bullet."""
    out = ""
    for label in path:
        out += f" {label}" if label.startswith("・") and out else label
    return out


def clause_anchor(path: list[str]) -> str:
    return "c-" + "_".join(path)


class Modality(models.TextChoices):
    MUST = "must", _("must")
    MUST_NOT = "must_not", _("must not")
    SHALL = "shall", _("shall")
    ENDEAVOR = "endeavor", _("endeavor")
    MAY = "may", _("may")


class PolicyRole(models.Model):
    """A role the policy defines (情報管理者, CISO …) and how its holders are found."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="roles")
    key = models.SlugField(_("key"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    scope = models.CharField(_("scope"), max_length=20)
    holder = models.JSONField(_("holder rule"), default=dict)
    deputy_of = models.CharField(_("deputy of"), max_length=50, blank=True)
    description = models.TextField(_("description"), blank=True)
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("policy role")
        verbose_name_plural = _("policy roles")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="policy_role_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ObligationQuerySet(models.QuerySet):
    def binding(self, role_ids) -> "ObligationQuerySet":
        """The obligations that bind any of these roles, in the order of the documents,
        each with its clause and the roles it binds (私の義務, self-inspection questions)."""
        return (
            self.filter(roles__in=list(role_ids))
            .select_related("clause__document")
            .prefetch_related(
                models.Prefetch("roles", queryset=PolicyRole.objects.only("pk", "key", "name"))
            )
            .order_by("clause__document__order", "clause__order", "order")
            .distinct()
        )


class Obligation(models.Model):
    """A sentence of the policy that binds someone: must, must not, shall, endeavor, may."""

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="obligations")
    order = models.PositiveSmallIntegerField(default=0)
    modality = models.CharField(_("modality"), max_length=10, choices=Modality.choices)
    text = models.TextField(_("text"))
    actors = models.JSONField(_("actors as written"), default=list)
    roles = models.ManyToManyField(
        PolicyRole, verbose_name=_("roles bound"), related_name="obligations", blank=True
    )

    objects = ObligationQuerySet.as_manager()

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["clause__document", "clause__order", "order"]

    def __str__(self) -> str:
        return self.text


class Appointment(models.Model):
    """「XをYとする」: the policy names who holds a role."""

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="appointments")
    holder = models.CharField(_("holder"), max_length=200)
    role_name = models.CharField(_("role"), max_length=100)
    role = models.ForeignKey(
        PolicyRole, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{self.holder} → {self.role_name}"


class ClassificationAxis(models.Model):
    """One axis of the classification scheme (重要性分類, 機密性 …)."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="axes")
    key = models.SlugField(_("key"), max_length=50)
    name = models.CharField(_("name"), max_length=50)
    description = models.TextField(_("description"), blank=True)
    chosen_by_organization = models.BooleanField(
        _("levels chosen by the organization"),
        default=False,
        help_text=_(
            "The published policy does not define the levels; these are the organization's choice."
        ),
    )
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("classification axis")
        verbose_name_plural = _("classification axes")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="policy_axis_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ClassificationLevel(models.Model):
    """A level of an axis. `rank` 0 is the most important; "II以上" means rank ≤ rank of II."""

    axis = models.ForeignKey(ClassificationAxis, on_delete=models.CASCADE, related_name="levels")
    label = models.CharField(_("label"), max_length=10)
    rank = models.PositiveSmallIntegerField(_("rank"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("classification level")
        verbose_name_plural = _("classification levels")
        ordering = ["axis", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["axis", "label"], name="policy_level_label_unique"),
            models.UniqueConstraint(fields=["axis", "rank"], name="policy_level_rank_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.axis.name} {self.label}"


class Rule(models.Model):
    """A machine-readable rule of the pack, citing the clause it comes from."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="rules")
    key = models.SlugField(_("key"), max_length=80)
    kind = models.CharField(_("kind"), max_length=30)
    spec = models.JSONField(_("specification"))
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="rules")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="policy_rule_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


class RoleDesignation(models.Model):
    """A person designated to a role by name (指名): 副情報管理者, システム担当者, CSIRT担当者.

    Kept by role key, not by version, so designations survive a policy revision.
    """

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="designations")
    role_key = models.SlugField(_("role"), max_length=50)
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="designations",
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("for unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_(
            "The unit the designation is for (the 課 of a 副情報管理者); empty for the whole organization."
        ),
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("role designation")
        verbose_name_plural = _("role designations")
        ordering = ["role_key", "unit", "start_date"]

    def __str__(self) -> str:
        return f"{self.role_key}: {self.person}"


class DraftStatus(models.TextChoices):
    REVIEW = "review", _("Under review")
    SAVED = "saved", _("Saved as a version")
    DISCARDED = "discarded", _("Discarded")


class PackDraft(models.Model):
    """A policy pack being drafted from an organization's own documents (onboarding, a
    revision): the texts as uploaded and the proposals the reviewer accepts, edits or rejects
    (mamori.policy.drafting). Saved, it becomes a PolicyVersion like a hand-written pack."""

    code = models.SlugField(_("organization code"), max_length=50)
    organization = models.CharField(_("organization"), max_length=200)
    label = models.CharField(_("revision"), max_length=100)
    status = models.CharField(
        _("status"), max_length=20, choices=DraftStatus.choices, default=DraftStatus.REVIEW
    )
    documents = models.JSONField(
        _("documents"), default=list, help_text=_("key, title, kind, file name and text of each.")
    )
    proposals = models.JSONField(_("proposals"), default=list)
    version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("saved as"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drafts",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("policy pack draft")
        verbose_name_plural = _("policy pack drafts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organization} {self.label}"
