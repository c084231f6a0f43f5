"""The ledgers (管理台帳): information assets, information systems and their connections."""

from django.conf import settings
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.policy.vocabulary import AssetKind


class AssetSubkind(models.TextChoices):
    DOCUMENT = "document", _("Documents and data")
    USB_MEMORY = "usb_memory", _("USB memory")
    EXTERNAL_DISK = "external_disk", _("External disk")
    OPTICAL = "optical", _("Optical media (CD/DVD)")
    OTHER_MEDIA = "other_media", _("Other media")
    PC = "pc", _("PC")
    MOBILE = "mobile", _("Mobile terminal")
    TELEWORK = "telework", _("Telework terminal")
    SPECIAL = "special", _("Special-purpose device (特定用途機器)")
    OTHER_DEVICE = "other_device", _("Other equipment")
    PRINTOUT = "printout", _("Paper print-out")


SUBKINDS_OF = {
    AssetKind.INFORMATION: [AssetSubkind.DOCUMENT],
    AssetKind.MEDIA: [
        AssetSubkind.USB_MEMORY,
        AssetSubkind.EXTERNAL_DISK,
        AssetSubkind.OPTICAL,
        AssetSubkind.OTHER_MEDIA,
    ],
    AssetKind.DEVICE: [
        AssetSubkind.PC,
        AssetSubkind.MOBILE,
        AssetSubkind.TELEWORK,
        AssetSubkind.SPECIAL,
        AssetSubkind.OTHER_DEVICE,
    ],
    AssetKind.PAPER: [AssetSubkind.PRINTOUT],
}


class Source(models.TextChoices):
    INTERNAL = "internal", _("Made inside (庁内)")
    EXTERNAL = "external", _("Obtained from outside (庁外)")


class DisposalState(models.TextChoices):
    IN_USE = "in_use", _("In use")
    DISPOSED = "disposed", _("Disposed of")


class AccessControl(models.TextChoices):
    NONE = "none", _("None")
    PASSWORD = "password", _("Password")
    IC_CARD = "ic_card", _("IC card")
    BIOMETRIC = "biometric", _("Biometric")
    MULTI_FACTOR = "multi_factor", _("Multi-factor")


class NetworkZone(models.TextChoices):
    MYNUMBER = "mynumber", _("マイナンバー利用事務系")
    LGWAN = "lgwan", _("LGWAN接続系")
    INTERNET = "internet", _("インターネット接続系")
    STANDALONE = "standalone", _("独立系")


UNRANKED = 99  # the level rank of an asset not classified under the policy in force


class PersonalDataMarkings(models.Model):
    """Whether an entry holds personal information (個人情報), and what decides if its leak
    must be reported to the Personal Information Protection Commission: sensitive personal
    information (要配慮個人情報, with 条例要配慮個人情報), the number of persons, and strong
    encryption or an equivalent measure (高度な暗号化その他の必要な措置)."""

    personal_data = models.BooleanField(_("holds personal information (個人情報)"), default=False)
    sensitive_personal_data = models.BooleanField(
        _("holds sensitive personal information (要配慮個人情報)"),
        default=False,
        help_text=_(
            "Medical history, disability, criminal record, having been a victim of crime "
            "…, and the information the municipality's ordinance adds (条例要配慮個人情報)."
        ),
    )
    personal_data_persons = models.PositiveIntegerField(
        _("number of persons (本人の数)"), null=True, blank=True
    )
    strong_encryption = models.BooleanField(
        _("protected by strong encryption or an equivalent measure (高度な暗号化等)"),
        default=False,
        help_text=_("Encrypted so that the data cannot be read without a key kept apart."),
    )

    class Meta:
        abstract = True

    @property
    def holds_personal_data(self) -> bool:
        return self.personal_data or self.sensitive_personal_data


class InformationAssetQuerySet(models.QuerySet):
    def in_use(self):
        return self.filter(disposal_state=DisposalState.IN_USE)


class InformationAsset(PersonalDataMarkings):
    """An entry of a unit's information-asset ledger (情報資産管理台帳): information,
    a storage medium, a terminal or a print-out, with its classification under the
    policy in force, where it is kept and who manages it."""

    ledger_no = models.CharField(_("ledger number"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AssetKind.choices)
    subkind = models.CharField(_("type"), max_length=20, choices=AssetSubkind.choices)
    owner_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="assets"
    )
    manager = models.ForeignKey(
        "org.Person",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    location = models.CharField(_("kept at"), max_length=200, blank=True)
    lockable = models.BooleanField(_("lockable place"), default=False)
    # {axis key: level label} under the policy in force; for a medium holding several
    # classifications, the highest of them (茅野市 4(2)⑤(ウ)).
    classification = models.JSONField(_("classification"), default=dict, blank=True)
    # The rank of the classification on the primary axis of the policy in force (0 = the
    # highest level; UNRANKED when not classified), kept by mamori.ledger.levels so that
    # lists filter and sort by level on an index instead of reading JSON row by row.
    level_rank = models.PositiveSmallIntegerField(default=UNRANKED, editable=False)
    contents = models.JSONField(
        _("classifications of the contents"),
        default=list,
        blank=True,
        help_text=_("For a medium: the classification of each kind of information on it."),
    )
    handling_restrictions = models.CharField(
        _("handling restrictions (取扱制限)"), max_length=300, blank=True
    )
    obtained_on = models.DateField(_("created or obtained on"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.INTERNAL
    )
    retention_years = models.PositiveSmallIntegerField(
        _("retention (years)"), null=True, blank=True
    )
    disposal_state = models.CharField(
        _("disposal"), max_length=10, choices=DisposalState.choices, default=DisposalState.IN_USE
    )
    disposed_on = models.DateField(_("disposed of on"), null=True, blank=True)
    access_control = models.CharField(
        _("access control"),
        max_length=20,
        choices=AccessControl.choices,
        default=AccessControl.PASSWORD,
    )
    backed_up = models.BooleanField(_("backed up"), default=False)
    last_backup_on = models.DateField(_("last backup"), null=True, blank=True)
    system = models.ForeignKey(
        "ledger.InformationSystem",
        verbose_name=_("information system"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assets",
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InformationAssetQuerySet.as_manager()

    class Meta:
        verbose_name = _("information asset")
        verbose_name_plural = _("information assets")
        ordering = ["ledger_no"]
        indexes = [
            models.Index(fields=["owner_unit", "ledger_no"], name="ledger_asset_unit_idx"),
            models.Index(fields=["kind", "ledger_no"], name="ledger_asset_kind_idx"),
            # The list pages: in use, ordered by number, by level or by name.
            models.Index(fields=["disposal_state", "ledger_no"], name="ledger_asset_state_idx"),
            models.Index(
                fields=["disposal_state", "level_rank", "ledger_no"], name="ledger_asset_level_idx"
            ),
            models.Index(
                fields=["disposal_state", "name", "ledger_no"], name="ledger_asset_name_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_no} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:asset_detail", args=[self.pk])


class InformationSystemQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_on__isnull=True)

    def with_user_unit_count(self):
        return self.annotate(user_unit_count=Count("user_units", distinct=True))


class InformationSystem(PersonalDataMarkings):
    """An entry of the information-system ledger: a system, its network zone, who uses
    it, how users sign in, where it runs, its software, backups and records."""

    code = models.CharField(_("system code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    owner_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="systems",
    )
    manager = models.ForeignKey(
        "org.Person",
        verbose_name=_("system manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty: the head of the owning division, as the policy appoints."),
    )
    zone = models.CharField(_("network zone"), max_length=20, choices=NetworkZone.choices)
    user_units = models.ManyToManyField(
        "org.OrgUnit", verbose_name=_("used by"), related_name="used_systems", blank=True
    )
    classification = models.JSONField(_("highest classification handled"), default=dict, blank=True)
    authentication = models.CharField(
        _("authentication"),
        max_length=20,
        choices=AccessControl.choices,
        default=AccessControl.PASSWORD,
    )
    usable_by_outsiders = models.BooleanField(
        _("usable by people outside the staff"), default=False
    )
    cloud_service = models.CharField(_("cloud service used"), max_length=200, blank=True)
    telework = models.BooleanField(_("used for telework"), default=False)
    outage_day_serious = models.BooleanField(
        _("an outage of a day or more would seriously disrupt work"), default=False
    )
    designated_important = models.BooleanField(_("designated important"), default=False)
    backup_schedule = models.CharField(_("backup schedule"), max_length=100, blank=True)
    last_backup_on = models.DateField(_("last backup"), null=True, blank=True)
    spec_location = models.CharField(
        _("specification documents kept at"), max_length=200, blank=True
    )
    spec_version = models.CharField(_("specification version"), max_length=50, blank=True)
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InformationSystemQuerySet.as_manager()

    class Meta:
        verbose_name = _("information system")
        verbose_name_plural = _("information systems")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:system_detail", args=[self.pk])


class SoftwareComponent(models.Model):
    """Software a system runs, with its version and the end of its vendor support."""

    system = models.ForeignKey(InformationSystem, on_delete=models.CASCADE, related_name="software")
    name = models.CharField(_("software"), max_length=200)
    version = models.CharField(_("version"), max_length=50, blank=True)
    end_of_support = models.DateField(_("end of support"), null=True, blank=True)

    class Meta:
        verbose_name = _("software")
        verbose_name_plural = _("software")
        ordering = ["system", "name"]

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


class RecordKind(models.TextChoices):
    CHANGE = "change", _("Change (変更記録)")
    MAINTENANCE = "maintenance", _("Maintenance (保守記録)")


class SystemRecord(models.Model):
    """A change or maintenance record of a system (変更記録・保守記録)."""

    system = models.ForeignKey(InformationSystem, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    performed_on = models.DateField(_("date"))
    description = models.TextField(_("what was done"))
    performed_by = models.CharField(_("performed by"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("system record")
        verbose_name_plural = _("system records")
        ordering = ["system", "-performed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.system} {self.performed_on} {self.get_kind_display()}"


class ZoneConnection(models.Model):
    """A connection from a system to another network zone, and on what terms."""

    system = models.ForeignKey(
        InformationSystem, on_delete=models.CASCADE, related_name="connections"
    )
    to_zone = models.CharField(_("to zone"), max_length=20, choices=NetworkZone.choices)
    purpose = models.CharField(_("purpose"), max_length=200)
    sanitized = models.BooleanField(_("sanitized transfer (無害化)"), default=False)
    restricted = models.BooleanField(_("restricted to verified peers"), default=False)
    approved_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("zone connection")
        verbose_name_plural = _("zone connections")
        ordering = ["system", "to_zone"]

    def __str__(self) -> str:
        return f"{self.system} → {self.get_to_zone_display()}"


class LedgerSubject(models.TextChoices):
    ASSETS = "assets", _("Information assets")
    SYSTEMS = "systems", _("Information systems")


class LedgerReview(models.Model):
    """A unit's ledger was reviewed (台帳見直し): by whom, when."""

    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="ledger_reviews")
    subject = models.CharField(_("ledger"), max_length=10, choices=LedgerSubject.choices)
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ledger review")
        verbose_name_plural = _("ledger reviews")
        ordering = ["-reviewed_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "subject", "reviewed_on"], name="ledger_review_idx")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_subject_display()} {self.reviewed_on}"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    STORING = "storing", _("Storing")
    DONE = "done", _("Stored")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """An uploaded ledger file on its way in: checked first (dry run), stored on request."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to="imports/")
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The background work: when the current step was queued, and the worker running it
    # (mamori.background.work), so that a job whose worker died is noticed.
    queued_at = models.DateTimeField(null=True, blank=True)
    runner = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.STORING)

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0
