"""Self-inspections (自己点検) and audits (監査): campaigns, checklists generated from the
policy's obligations, answers with evidence, audit plans and findings, and the corrective
actions (改善措置) both lead to.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Campaign(models.Model):
    """A self-inspection for one 年度, sent to chosen units."""

    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    title = models.CharField(_("title"), max_length=200)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    units = models.ManyToManyField(
        "org.OrgUnit", verbose_name=_("units"), related_name="+", blank=True
    )
    policy_version = models.ForeignKey(
        "policy.PolicyVersion", verbose_name=_("policy version"), on_delete=models.PROTECT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("self-inspection campaign")
        verbose_name_plural = _("self-inspection campaigns")
        ordering = ["-fiscal_year", "-pk"]

    def __str__(self) -> str:
        return self.title


class ChecklistStatus(models.TextChoices):
    OPEN = "open", _("Not submitted")
    SUBMITTED = "submitted", _("Submitted")


class Checklist(models.Model):
    """One unit's questionnaire in a campaign, answered and submitted by the unit head."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="checklists")
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    responder = models.ForeignKey(
        "org.Person",
        verbose_name=_("responder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role_keys = models.JSONField(_("roles inspected"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=ChecklistStatus.choices, default=ChecklistStatus.OPEN
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("self-inspection checklist")
        verbose_name_plural = _("self-inspection checklists")
        ordering = ["campaign", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="inspections_checklist_unit")
        ]

    def __str__(self) -> str:
        return f"{self.campaign.title} / {self.unit.name}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ChecklistStatus.SUBMITTED


class Question(models.Model):
    """A question of a checklist: one obligation of the policy, citing its clause."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="questions")
    clause = models.ForeignKey(
        "policy.Clause", verbose_name=_("clause"), on_delete=models.PROTECT, related_name="+"
    )
    obligation = models.ForeignKey(
        "policy.Obligation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.ForeignKey(
        "policy.PolicyRole",
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("question"))
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["checklist", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class AnswerValue(models.TextChoices):
    COMPLIED = "complied", _("Complied (遵守)")
    PARTIAL = "partial", _("Partly complied (一部遵守)")
    NOT_COMPLIED = "not_complied", _("Not complied (未遵守)")
    NOT_APPLICABLE = "not_applicable", _("Not applicable (該当なし)")


class Answer(models.Model):
    """The unit's answer to one question."""

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="answer")
    value = models.CharField(_("answer"), max_length=20, choices=AnswerValue.choices)
    comment = models.TextField(_("comment"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return self.get_value_display()


class Severity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class AuditPlan(models.Model):
    """An audit (監査) of some units in a 年度, by auditors independent of them."""

    title = models.CharField(_("title"), max_length=200)
    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    units = models.ManyToManyField("org.OrgUnit", verbose_name=_("units audited"), related_name="+")
    auditors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("auditors"), related_name="audit_plans"
    )
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("audit plan")
        verbose_name_plural = _("audit plans")
        ordering = ["-fiscal_year", "-pk"]

    def __str__(self) -> str:
        return self.title


class AuditFinding(models.Model):
    """指摘事項: what an audit found, with the clauses it breaks and the units concerned."""

    plan = models.ForeignKey(AuditPlan, on_delete=models.PROTECT, related_name="findings")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("description"))
    clauses = models.ManyToManyField(
        "policy.Clause", verbose_name=_("related clauses"), related_name="+", blank=True
    )
    units = models.ManyToManyField("org.OrgUnit", verbose_name=_("units"), related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")
        ordering = ["plan", "pk"]

    def __str__(self) -> str:
        return f"{self.plan.title}: {self.description[:60]}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done, to be verified")
    VERIFIED = "verified", _("Verified")


class CorrectiveAction(models.Model):
    """改善措置: what a unit does about a 未遵守 answer or an audit finding, until verified."""

    answer = models.OneToOneField(
        Answer, null=True, blank=True, on_delete=models.PROTECT, related_name="corrective_action"
    )
    finding = models.ForeignKey(
        AuditFinding,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrective_actions",
    )
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        "org.Person",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("what is to be done"))
    opened_on = models.DateField(_("opened on"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_note = models.TextField(_("what was done"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("opened_on")),
                name="inspections_action_due_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(answer__isnull=False) | Q(finding__isnull=False),
                name="inspections_action_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Corrective action')} {self.pk}: {self.description[:60]}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("To check")
    ANSWERED = "answered", _("Answered")


class FollowUp(models.Model):
    """A unit told to check whether a finding elsewhere applies to it too (仙台市 第2章(10)②)."""

    finding = models.ForeignKey(AuditFinding, on_delete=models.PROTECT, related_name="follow_ups")
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    applies = models.BooleanField(_("the same issue found here"), null=True, blank=True)
    corrective_action = models.OneToOneField(
        "CorrectiveAction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_up",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["finding", "unit"], name="inspections_followup_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}: {self.finding.description[:60]}"

    @property
    def outcome_display(self) -> str:
        """回答済み(同様の問題あり) and the like: the status with what the unit found."""
        if self.status != FollowUpStatus.ANSWERED or self.applies is None:
            return self.get_status_display()
        found = _("the same issue found") if self.applies else _("not found")
        return f"{self.get_status_display()}({found})"


class Evidence(models.Model):
    """A file attached to an answer or a finding, kept with its SHA-256 and size."""

    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    finding = models.ForeignKey(
        AuditFinding, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(upload_to="inspections/%Y/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
