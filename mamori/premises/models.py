"""Physical security records (物理的セキュリティ): the rooms that hold important systems and
media, who may enter them, who did, what was carried in and out, and their inspections.

Which rooms must be controlled, which records are due and how often inspections are due come
from the `physical_security` rules of the policy in force (mamori.premises.checks).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mamori.ledger.models import InformationSystem
from mamori.org.models import OrgUnit, Person


class ControlledRoom(models.Model):
    """A room under entry control (情報システム室, 電子計算機室等, 媒体保管場所)."""

    name = models.CharField(_("name"), max_length=200)
    location = models.CharField(_("location"), max_length=200, blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("managing unit"), on_delete=models.PROTECT, related_name="+"
    )
    systems = models.ManyToManyField(
        InformationSystem, verbose_name=_("systems in the room"), related_name="rooms", blank=True
    )
    registered_on = models.DateField(_("registered"))

    class Meta:
        verbose_name = _("secured room")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class RoomAuthorization(models.Model):
    """A person allowed to enter a room, for a period."""

    room = models.ForeignKey(
        ControlledRoom, on_delete=models.PROTECT, related_name="authorizations"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("authorisation to enter")
        ordering = ["room", "person__employee_no", "-start_date"]
        indexes = [models.Index(fields=["room", "person", "start_date"], name="premises_auth_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="premises_auth_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.room}"


class EntrySource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported from the door-access system")


class RoomEntry(models.Model):
    """One entry into a room, kept by hand or imported from the door-access system. The
    person is matched by employee number; `name` keeps what the log said."""

    room = models.ForeignKey(ControlledRoom, on_delete=models.PROTECT, related_name="entries")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name as logged"), max_length=100)
    entered_at = models.DateTimeField(_("entered"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=EntrySource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("room entry")
        ordering = ["-entered_at", "-id"]
        indexes = [models.Index(fields=["room", "entered_at"], name="premises_entry_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.room} {self.entered_at:%Y-%m-%d %H:%M}"


class Direction(models.TextChoices):
    OUT = "out", _("Carried out (持ち出し・搬出)")
    IN = "in", _("Carried in (持ち込み・搬入)")


class ItemKind(models.TextChoices):
    COMPUTER = "computer", _("Computer (電子計算機)")
    MEDIA = "media", _("Storage media (記録媒体)")
    EQUIPMENT = "equipment", _("Equipment (機器等)")


class CarryRecord(models.Model):
    """A computer, medium or piece of equipment carried into or out of a room, with the staff
    member who attended (仙台市 第2章(6)②④)."""

    room = models.ForeignKey(ControlledRoom, on_delete=models.PROTECT, related_name="carries")
    direction = models.CharField(_("direction"), max_length=5, choices=Direction.choices)
    item_kind = models.CharField(_("kind of item"), max_length=20, choices=ItemKind.choices)
    item = models.CharField(_("item"), max_length=200)
    carried_by = models.CharField(_("carried by"), max_length=200)
    attended_by = models.ForeignKey(
        Person,
        verbose_name=_("attending staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    moved_at = models.DateTimeField(_("when"))
    expected_back = models.DateField(_("to be brought back by"), null=True, blank=True)
    returned_on = models.DateField(_("brought back"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("carry record")
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item} ({self.get_direction_display()})"


class InspectionKind(models.TextChoices):
    WIRING = "wiring", _("Wiring (配線)")
    POWER = "power", _("Power supply (電源)")


class RoomInspection(models.Model):
    """A periodic inspection of a room's wiring or power supply, with its result."""

    room = models.ForeignKey(ControlledRoom, on_delete=models.PROTECT, related_name="inspections")
    kind = models.CharField(_("inspection"), max_length=20, choices=InspectionKind.choices)
    performed_on = models.DateField(_("date"))
    performed_by = models.CharField(_("performed by"), max_length=200)
    result = models.TextField(_("result"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("room inspection")
        ordering = ["-performed_on", "-id"]
        indexes = [models.Index(fields=["room", "kind", "performed_on"], name="premises_insp_idx")]

    def __str__(self) -> str:
        return f"{self.room} {self.get_kind_display()} {self.performed_on}"
