"""Incidents (セキュリティ障害・事件事故等): the report, the chain of people the policy
says must be told, the response, and the final report; the emergency response plan."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Detection(models.TextChoices):
    STAFF = "staff", _("Noticed by staff")
    CITIZEN = "citizen", _("Told by a citizen or an outsider")
    SYSTEM = "system", _("Detected by a system (monitoring, antivirus)")


class Severity(models.TextChoices):
    UNASSESSED = "unassessed", _("Not yet assessed")
    MINOR = "minor", _("Minor (軽微)")
    MODERATE = "moderate", _("Moderate")
    SERIOUS = "serious", _("Serious (重大)")


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    INVESTIGATING = "investigating", _("Investigating")
    CONTAINED = "contained", _("Contained")
    RECOVERED = "recovered", _("Recovered")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [s for s in Status.values if s != Status.CLOSED]


class PublicNotice(models.TextChoices):
    UNDECIDED = "undecided", _("Not decided yet")
    NOT_NEEDED = "not_needed", _("Citizens need not be informed")
    INFORMED = "informed", _("Citizens have been informed")


class IncidentQuerySet(models.QuerySet):
    def open(self) -> "IncidentQuerySet":
        return self.exclude(status=Status.CLOSED)


class Incident(models.Model):
    """A reported security incident (仙台市: セキュリティ障害; 茅野市: 事件事故等): what
    happened, how and when it was noticed, the unit concerned, what it affects, how
    serious it is, and where its response stands. The kind is one the policy names;
    its label is kept with the record so that statistics survive a policy change."""

    policy_version = models.ForeignKey(
        "policy.PolicyVersion",
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    type_code = models.CharField(_("kind"), max_length=40)
    type_label = models.CharField(_("kind"), max_length=200)
    detection = models.CharField(_("how it was noticed"), max_length=20, choices=Detection.choices)
    detected_at = models.DateTimeField(_("noticed at"))
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reporter_name = models.CharField(_("reported by"), max_length=200)
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("unit concerned"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    description = models.TextField(_("what happened"))
    informant = models.CharField(
        _("who told us"),
        max_length=300,
        blank=True,
        help_text=_("For a citizen's call or a system alert: name, contact, or the system."),
    )
    severity = models.CharField(
        _("severity"), max_length=20, choices=Severity.choices, default=Severity.UNASSESSED
    )
    wider_impact = models.BooleanField(_("other systems or units may be affected"), default=False)
    serious_external_impact = models.BooleanField(
        _("the outside (citizens, other bodies) may be seriously affected"), default=False
    )
    suspected_crime = models.BooleanField(
        _("possibly a crime (unauthorized access etc.): liaise with the police"), default=False
    )
    personal_data_reported = models.BooleanField(
        _("the reporter says personal information may be involved"), default=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    public_notice = models.CharField(
        _("informing citizens"),
        max_length=20,
        choices=PublicNotice.choices,
        default=PublicNotice.UNDECIDED,
    )
    public_notice_note = models.TextField(_("reason for the decision"), blank=True)
    # The final report (仙台市 第2章(8)③(ii): 内容, 原因, 被害及び影響範囲).
    report_content = models.TextField(_("what the incident was (内容)"), blank=True)
    report_cause = models.TextField(_("cause (原因)"), blank=True)
    report_damage = models.TextField(
        _("damage and extent of the impact (被害・影響範囲)"), blank=True
    )
    report_actions = models.TextField(_("actions taken"), blank=True)
    report_prevention = models.TextField(_("measures against recurrence"), blank=True)
    report_lessons = models.TextField(_("lessons and procedures revised"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["status", "reported_at"], name="incident_status_idx"),
            models.Index(fields=["detected_at"], name="incident_detected_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type_label}"

    @property
    def number(self) -> str:
        return f"#{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def summary(self) -> str:
        first = self.description.strip().splitlines()[0] if self.description.strip() else ""
        return first[:60] + ("…" if len(first) > 60 else "")


class AffectedKind(models.TextChoices):
    ASSET = "asset", _("Information asset")
    SYSTEM = "system", _("Information system")


class AffectedItem(models.Model):
    """An information asset or system the incident affects, from the ledgers.

    `reference` is what the reporter chose or typed (a ledger number or system code).
    An entry the reporter may not see is linked all the same, so the chain reaches its
    system manager, but its details are shown only to those who may see the entry."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    kind = models.CharField(_("kind"), max_length=10, choices=AffectedKind.choices)
    asset = models.ForeignKey(
        "ledger.InformationAsset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incident_items",
    )
    system = models.ForeignKey(
        "ledger.InformationSystem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incident_items",
    )
    reference = models.CharField(_("reference"), max_length=200)

    class Meta:
        verbose_name = _("affected asset or system")
        verbose_name_plural = _("affected assets and systems")
        ordering = ["incident", "kind", "id"]

    def __str__(self) -> str:
        return self.reference


class StepState(models.TextChoices):
    WAITING = "waiting", _("Not yet notified")
    NOTIFIED = "notified", _("Notified, waiting for acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SKIPPED = "skipped", _("Not needed")


class SkipReason(models.TextChoices):
    CONDITION = "condition", _("its condition does not apply")
    MINOR = "minor", _("the incident is minor")
    NOBODY = "nobody", _("nobody holds these roles")


class NotifyReason(models.TextChoices):
    CHAIN = "chain", _("the step before was acknowledged")
    REPORT = "report", _("the incident was reported")
    ESCALATION = "escalation", _("the step before did not acknowledge in time")
    MANUAL = "manual", _("escalated by hand")
    CHANGE = "change", _("the assessment changed")


class ChainStep(models.Model):
    """One step of the incident's reporting chain, from the pack's incident_chain rule:
    the roles to tell, when the step applies, and how long they have to acknowledge."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("step"))
    roles = models.JSONField(_("roles"), default=list)
    role_names = models.JSONField(_("roles"), default=list)
    condition = models.CharField(_("applies when"), max_length=40, blank=True)
    skip_when_minor = models.BooleanField(default=False)
    within_minutes = models.PositiveIntegerField(_("time limit (minutes)"), default=60)
    cite = models.CharField(_("basis"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=StepState.choices, default=StepState.WAITING
    )
    skip_reason = models.CharField(max_length=20, choices=SkipReason.choices, blank=True)
    notify_reason = models.CharField(max_length=20, choices=NotifyReason.choices, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True, db_index=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("chain step")
        verbose_name_plural = _("chain steps")
        ordering = ["incident", "position"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "position"], name="incident_step_unique")
        ]
        indexes = [
            models.Index(fields=["state", "escalated_at", "due_at"], name="incident_step_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}/{self.position} {'・'.join(self.role_names)}"


class ChainContact(models.Model):
    """A person the step tells: a holder of one of its roles for the incident's unit
    (or affected system), or the deputy standing in for an absent holder."""

    step = models.ForeignKey(ChainStep, on_delete=models.CASCADE, related_name="contacts")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="contacts")
    role_key = models.CharField(max_length=50)
    role_name = models.CharField(_("role"), max_length=100)
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    system = models.ForeignKey(
        "ledger.InformationSystem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    absent = models.BooleanField(_("absent"), default=False)
    acting_for = models.ForeignKey(
        "org.Person",
        verbose_name=_("acting for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Acknowledged without a click: the reporter, or someone who had acknowledged already.
    auto_acknowledged = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("chain contact")
        verbose_name_plural = _("chain contacts")
        ordering = ["step", "id"]
        indexes = [models.Index(fields=["person", "incident"], name="incident_contact_person_idx")]

    def __str__(self) -> str:
        return f"{self.role_name}: {self.person}"


class TimelineKind(models.TextChoices):
    REPORTED = "reported", _("Reported")
    NOTIFIED = "notified", _("Notified")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ESCALATED = "escalated", _("Escalated")
    SKIPPED = "skipped", _("Step not needed")
    ASSESSED = "assessed", _("Assessment changed")
    AFFECTED = "affected", _("Affected assets or systems added")
    STATUS = "status", _("Status changed")
    NOTE = "note", _("Note")
    RECORD = "record", _("Response recorded")
    TASK = "task", _("Task")
    REPORT = "report", _("Report saved")
    PUBLIC_NOTICE = "public_notice", _("Informing citizens")
    REPORTING_DECISION = "reporting_decision", _("Legal reporting decided")
    LEGAL_REPORT = "legal_report", _("Legal report")
    PERSON_NOTICE = "person_notice", _("Notice to the persons concerned")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


class TimelineEntry(models.Model):
    """One line of the incident's timeline (対処の経過, 茅野市 8(4)②(カ)). Written by the
    actions for every change; notes are typed by people."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=TimelineKind.choices)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["incident", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class RecordKind(models.TextChoices):
    SYSTEM_STOP = "system_stop", _("Stopped an information system")
    DISCONNECT = "disconnect", _("Disconnected a computer from the network")
    EVIDENCE = "evidence", _("Preserved evidence (access logs etc.)")
    RECOVERY = "recovery", _("Recovered")
    PREVENTION = "prevention", _("Interim measure against recurrence")
    PROCEDURE = "procedure", _("Revised a procedure")
    REPORT_CISO = "report_ciso", _("Reported to the CISO")
    REPORT_EXTERNAL = "report_external", _("Reported to national or prefectural bodies")
    POLICE = "police", _("Liaised with the police")
    CITIZENS = "citizens", _("Informed citizens")
    OTHER = "other", _("Other")


# Containment that needs permission, or a reason why it was reported afterwards
# (茅野市 8(4)②(イ): disconnecting a computer needs the system administrator's permission,
# or is reported afterwards when the damage had to be stopped at once).
NEEDS_AUTHORITY = {RecordKind.SYSTEM_STOP, RecordKind.DISCONNECT}
NEEDS_RECIPIENT = {RecordKind.REPORT_EXTERNAL, RecordKind.POLICE}


class ResponseRecord(models.Model):
    """What was done in the response: containment (with who allowed it, or why it was
    reported afterwards), evidence kept, recovery, reports to the CISO, to national or
    prefectural bodies and the police, informing citizens."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(_("what was done"), max_length=20, choices=RecordKind.choices)
    description = models.TextField(_("details"))
    occurred_at = models.DateTimeField(_("when"))
    authorized_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("allowed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_after_reason = models.TextField(
        _("why it was done first and reported afterwards"), blank=True
    )
    recipient = models.CharField(_("reported to"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("response record")
        verbose_name_plural = _("response records")
        ordering = ["incident", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class ResponseTask(models.Model):
    """A piece of the response with an owner and a due date."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    reminded_on = models.DateField(_("last reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("response task")
        verbose_name_plural = _("response tasks")
        ordering = ["incident", "due_date", "id"]

    def __str__(self) -> str:
        return self.title


class EmergencyPlan(models.Model):
    """One version of the organization's emergency response plan (緊急時対応計画,
    茅野市 8(6)): contacts, what must be reported, response measures and how
    recurrence prevention is worked out. A revision adds a version; none is changed."""

    policy = models.ForeignKey(
        "policy.Policy", verbose_name=_("organization"), on_delete=models.PROTECT
    )
    number = models.PositiveIntegerField(_("version"))
    contacts = models.TextField(_("contacts of the people concerned"))
    reportable = models.TextField(_("what must be reported"))
    response = models.TextField(_("response measures"))
    prevention = models.TextField(_("working out measures against recurrence"))
    summary = models.CharField(_("what changed"), max_length=300)
    created_at = models.DateTimeField(_("revised at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revised by"), on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("emergency response plan")
        verbose_name_plural = _("emergency response plans")
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="incident_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"


# Personal information: the legal reports (漏えい等の報告) -----------------------------------


class ReportingDecision(models.Model):
    """Whether a leak of personal information in the incident must be reported to the
    authority the pack names (個人情報保護委員会), decided on the answers to the questions of
    the pack's `personal_data_breach` rule; who answered, when, and why when no report is
    needed. When a report is required, the day the situation was known starts the periods of
    the first (速報) and the confirmed report (確報), and their due dates are kept here."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="reporting_decision"
    )
    rule_key = models.CharField(max_length=50)
    known_on = models.DateField(_("known on"))
    personal_data = models.BooleanField(_("personal information held by us is involved"))
    sensitive = models.BooleanField(_("sensitive personal information (要配慮個人情報)"))
    financial_damage = models.BooleanField(_("misuse may cause financial damage"))
    unauthorized_purpose = models.BooleanField(_("may have been done for an unauthorized purpose"))
    persons = models.PositiveIntegerField(_("number of persons"), null=True, blank=True)
    persons_may_exceed = models.BooleanField(
        _("the number is not known yet but may exceed the threshold"), default=False
    )
    strong_encryption = models.BooleanField(_("protected by strong encryption"))
    required = models.BooleanField(_("report required"), db_index=True)
    grounds = models.JSONField(_("grounds"), default=list, blank=True)
    reasoning = models.TextField(_("reasoning"), blank=True)
    first_due = models.DateField(_("first report due"), null=True, blank=True)
    confirmed_due = models.DateField(_("confirmed report due"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_name = models.CharField(_("decided by"), max_length=200)
    decided_at = models.DateTimeField(_("decided at"))
    reminded_on = models.DateField(null=True, blank=True)
    escalated = models.JSONField(default=list, blank=True)  # the stages escalated already

    class Meta:
        verbose_name = _("reporting decision")
        verbose_name_plural = _("reporting decisions")

    def __str__(self) -> str:
        return f"{self.incident} {'required' if self.required else 'not required'}"


class ReportStage(models.TextChoices):
    FIRST = "first", _("First report (速報)")
    CONFIRMED = "confirmed", _("Confirmed report (確報)")


class LegalReport(models.Model):
    """One version of a report to the authority (速報 or 確報) with the items the
    Commission's form asks for. A draft is edited until it is sent; a sent version is kept
    as it was, and a new draft version opens when the decision changes afterwards."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="legal_reports")
    stage = models.CharField(_("report"), max_length=10, choices=ReportStage.choices)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    summary = models.TextField(_("概要 (summary)"), blank=True)
    items = models.TextField(
        _("漏えい等が発生し又は発生したおそれがある個人情報の項目 (items of personal information)"),
        blank=True,
    )
    persons = models.PositiveIntegerField(_("本人の数 (number of persons)"), null=True, blank=True)
    cause = models.TextField(_("原因 (cause)"), blank=True)
    secondary_damage = models.TextField(
        _("二次被害又はそのおそれの有無及びその内容 (secondary damage)"), blank=True
    )
    response_to_persons = models.TextField(
        _("本人への対応の実施状況 (what was done for the persons)"), blank=True
    )
    publication = models.TextField(_("公表の実施状況 (publication)"), blank=True)
    prevention = models.TextField(
        _("再発防止のための措置 (measures against recurrence)"), blank=True
    )
    other = models.TextField(_("その他参考となる事項 (other information)"), blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_by_name = models.CharField(_("sent by"), max_length=200, blank=True)
    reopened_reason = models.TextField(_("why this version was opened"), blank=True)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by_name = models.CharField(_("updated by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("legal report")
        verbose_name_plural = _("legal reports")
        ordering = ["incident", "stage", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "stage", "version"], name="incident_legal_report_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} {self.get_stage_display()} v{self.version}"

    @property
    def is_sent(self) -> bool:
        return self.sent_on is not None


class NoticeMeans(models.TextChoices):
    POST = "post", _("By post")
    EMAIL = "email", _("By e-mail")
    PHONE = "phone", _("By telephone")
    IN_PERSON = "in_person", _("Handed over in person")
    PUBLICATION = "publication", _("Published (where notifying each person is difficult)")
    OTHER = "other", _("Other")


class PersonNotice(models.Model):
    """A notice to the persons whose information leaked (本人への通知): when, to how many,
    by what means."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="person_notices")
    sent_on = models.DateField(_("sent on"))
    persons = models.PositiveIntegerField(_("to how many persons"))
    means = models.CharField(_("by what means"), max_length=20, choices=NoticeMeans.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("notice to the persons concerned")
        verbose_name_plural = _("notices to the persons concerned")
        ordering = ["incident", "sent_on", "id"]

    def __str__(self) -> str:
        return f"{self.incident.number} {self.sent_on} {self.persons}"
