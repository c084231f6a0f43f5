"""Requests and approvals (申請・決裁): a request for permission the policy demands,
its route of approval steps, and the record it leaves."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mamori.approvals.kinds import Completion, spec
from mamori.policy.vocabulary import RequestKind


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting decision")
    SENT_BACK = "sent_back", _("Sent back")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    COMPLETED = "completed", _("Completed")
    CARRIED_OUT = "carried_out", _("Carried out in an emergency (to be reported)")
    REPORTED = "reported", _("Reported")


# Statuses in which nothing can change any more.
FINAL_STATUSES = {RequestStatus.REJECTED, RequestStatus.WITHDRAWN, RequestStatus.COMPLETED}
EDITABLE_STATUSES = {RequestStatus.DRAFT, RequestStatus.SENT_BACK}
WITHDRAWABLE_STATUSES = {RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.SENT_BACK}

STATUS_BADGE = {
    RequestStatus.DRAFT: "",
    RequestStatus.SUBMITTED: "warn",
    RequestStatus.SENT_BACK: "warn",
    RequestStatus.APPROVED: "ok",
    RequestStatus.REJECTED: "danger",
    RequestStatus.WITHDRAWN: "",
    RequestStatus.COMPLETED: "ok",
    RequestStatus.CARRIED_OUT: "danger",
    RequestStatus.REPORTED: "warn",
}


class RequestQuerySet(models.QuerySet):
    def of_kind(self, kind: str) -> "RequestQuerySet":
        return self.filter(kind=kind)


class Request(models.Model):
    """A request for permission (申請): taking information out, sending it, copying,
    lending, disposing of it, installing software, connecting to an outside network,
    an exception … with the records the policy demands and the answer of the policy
    (approver, records, measures, clauses) frozen at the time it was filed."""

    kind = models.CharField(_("kind"), max_length=30, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    title = models.CharField(_("subject"), max_length=200)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    requester_name = models.CharField(_("requester's name"), max_length=200)
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="approval_requests",
        help_text=_("The requester's unit when the request was filed."),
    )
    assets = models.ManyToManyField(
        "ledger.InformationAsset",
        verbose_name=_("information assets"),
        related_name="approval_requests",
        blank=True,
    )
    systems = models.ManyToManyField(
        "ledger.InformationSystem",
        verbose_name=_("information systems"),
        related_name="approval_requests",
        blank=True,
    )
    route_system = models.ForeignKey(
        "ledger.InformationSystem",
        verbose_name=_("system whose managers approve"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declared_level = models.CharField(
        _("classification stated by the requester"), max_length=20, blank=True
    )
    # {axis key: label}: the highest level of the assets (and the stated level) on the
    # primary axis. This is what the permission rule is asked with.
    classification = models.JSONField(_("classification"), default=dict, blank=True)
    asset_kind = models.CharField(_("kind of asset"), max_length=20, blank=True)
    emergency = models.BooleanField(_("emergency (reported afterwards)"), default=False)

    # The records (記録) the policy demands.
    purpose = models.TextField(_("purpose"), blank=True)
    scheduled_at = models.DateTimeField(_("date and time"), null=True, blank=True)
    content = models.TextField(_("information asset concerned"), blank=True)
    person_in_charge = models.CharField(_("person in charge"), max_length=200, blank=True)
    method = models.TextField(_("method"), blank=True)
    destination = models.CharField(_("destination or recipient"), max_length=300, blank=True)
    return_date = models.DateField(_("expected return"), null=True, blank=True)
    proof = models.TextField(_("proof that data cannot be recovered"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    details = models.TextField(_("other details"), blank=True)
    measures_confirmed = models.JSONField(_("measures confirmed"), default=list, blank=True)

    # The answer of the policy, frozen when filed (the pack may change later).
    policy_version = models.ForeignKey(
        "policy.PolicyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    guidance = models.JSONField(_("what the policy said"), default=dict, blank=True)

    round = models.PositiveSmallIntegerField(default=0)
    client_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    submitted_at = models.DateTimeField(_("filed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    # Completion: return (返却), disposal (廃棄), emergency report (事後報告).
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_note = models.CharField(_("note on the return"), max_length=300, blank=True)
    disposed_at = models.DateTimeField(_("disposed of at"), null=True, blank=True)
    disposal_person = models.CharField(_("disposed of by"), max_length=200, blank=True)
    disposal_method = models.TextField(_("disposal method"), blank=True)
    disposal_proof = models.TextField(_("proof of disposal"), blank=True)
    ledger_updated = models.BooleanField(_("ledger updated"), default=False)
    carried_out_at = models.DateTimeField(_("carried out at"), null=True, blank=True)
    report = models.TextField(_("report"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "client_token"],
                condition=Q(client_token__isnull=False),
                name="approvals_request_token_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "kind", "status"], name="approvals_req_unit_idx"),
            models.Index(fields=["kind", "status", "created_at"], name="approvals_req_kind_idx"),
            models.Index(fields=["requester", "status"], name="approvals_req_requester_idx"),
            models.Index(fields=["status", "return_date"], name="approvals_req_return_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        """申請番号 as printed on the record."""
        return f"No.{self.pk:06d}" if self.pk else "—"

    @property
    def spec(self):
        return spec(self.kind)

    @property
    def completion(self) -> str:
        return self.spec.completion

    @property
    def is_final(self) -> bool:
        if self.status in FINAL_STATUSES:
            return True
        return self.status == RequestStatus.APPROVED and self.completion == Completion.NONE

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def status_badge(self) -> str:
        return STATUS_BADGE.get(self.status, "")

    @property
    def level(self) -> str:
        """The classification label the rule was asked with (first axis)."""
        return next(iter(self.classification.values()), "") if self.classification else ""


class StepKind(models.TextChoices):
    CONSULT = "consult", _("Consultation (合議)")
    APPROVE = "approve", _("Decision (決裁)")
    REPORT = "report", _("Report received (報告)")


class StepState(models.TextChoices):
    WAITING = "waiting", _("Not yet reached")
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    SENT_BACK = "sent_back", _("Sent back")
    REJECTED = "rejected", _("Rejected")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed without a decision")


class ApprovalStep(models.Model):
    """One step of a request's route: the policy role that decides it and the people
    who held that role when the request was filed. Steps with the same `order` are
    decided in parallel (合議); the next order starts when all of them have approved."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveSmallIntegerField(default=1)
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("kind"), max_length=20, choices=StepKind.choices)
    role_key = models.CharField(_("role"), max_length=50)
    role_name = models.CharField(_("role"), max_length=100)
    via = models.CharField(
        _("how the approver was found"),
        max_length=200,
        blank=True,
        help_text=_("Set when the route did not follow the approver role directly."),
    )
    scope_unit = models.ForeignKey(
        "org.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approvers = models.ManyToManyField(
        "org.Person", verbose_name=_("approvers"), related_name="approval_steps"
    )
    approver_names = models.CharField(_("approvers"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=StepState.choices, default=StepState.WAITING
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_name = models.CharField(_("decided by"), max_length=200, blank=True)
    acting_for = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acting_for_name = models.CharField(_("on behalf of (代決)"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    rerouted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["request", "round", "order", "id"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="approvals_step_state_idx"),
            models.Index(fields=["request", "round", "order"], name="approvals_step_route_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.round}.{self.order} {self.role_name}"
