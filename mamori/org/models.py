"""The organization: units in a tree, positions, people and where they worked when."""

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Replace
from django.utils.translation import gettext_lazy as _

from mamori.access import DIVISION_KINDS
from mamori.org.text import search_key


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("Bureau (局)")
    DEPARTMENT = "department", _("Department (部)")
    WARD = "ward", _("Ward office (区)")
    DIVISION = "division", _("Division (課)")
    OFFICE = "office", _("Office (室)")
    SECTION = "section", _("Section (係)")
    BRANCH = "branch", _("Branch office (出先機関)")
    COMMISSION = "commission", _("Commission secretariat (行政委員会事務局)")
    EXECUTIVE = "executive", _("Executive (市長・副市長)")
    OTHER = "other", _("Other")


class OrgUnitQuerySet(models.QuerySet):
    def active(self) -> "OrgUnitQuerySet":
        return self.filter(closed_on__isnull=True)

    def subtree(self, unit: "OrgUnit") -> "OrgUnitQuerySet":
        return self.filter(path__startswith=unit.path)


class OrgUnit(models.Model):
    """An organizational unit: a 局/部, 課, 係, 出先機関 or 行政委員会事務局.

    Units form a tree of any depth. `path` lists the primary keys from the root
    ("/3/17/42/"), so a whole subtree is one indexed prefix query.
    """

    code = models.CharField(_("unit code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    sort_order = models.PositiveIntegerField(_("display order"), default=0)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_lead = models.BooleanField(
        _("lead division (主管課)"),
        default=False,
        help_text=_(
            "The division that coordinates its bureau or department, e.g. the 総務課 of a 局."
        ),
    )
    closed_on = models.DateField(_("abolished on"), null=True, blank=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to the parent."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def ancestors(self) -> list["OrgUnit"]:
        ids = self.ancestor_ids
        by_id = OrgUnit.objects.in_bulk(ids)
        return [by_id[pk] for pk in ids if pk in by_id]

    def is_descendant_of(self, other: "OrgUnit") -> bool:
        return self.path.startswith(other.path)

    def division(self) -> "OrgUnit":
        """The nearest 課 (or 室, 出先機関) at or above this unit; the unit itself if none."""
        if self.kind in DIVISION_KINDS:
            return self
        return next((u for u in reversed(self.ancestors()) if u.kind in DIVISION_KINDS), self)


class Position(models.Model):
    """A post (職) such as 市長, 部長, 課長 or 係長, ordered by seniority."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=100, help_text=_("Smaller numbers are more senior.")
    )
    is_unit_head = models.BooleanField(
        _("heads its unit"),
        default=False,
        help_text=_("Holders of this position lead the unit they are assigned to (e.g. 課長)."),
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class EmploymentType(models.TextChoices):
    REGULAR = "regular", _("Regular staff (正規職員)")
    FISCAL_YEAR = "fiscal_year", _("Fiscal-year appointee (会計年度任用職員)")
    REEMPLOYED = "reemployed", _("Re-employed staff (再任用職員)")
    TEMPORARY = "temporary", _("Temporary appointee (臨時的任用職員)")
    DISPATCHED = "dispatched", _("Dispatched staff (派遣職員)")
    CONTRACTOR = "contractor", _("Contractor personnel (委託先要員)")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("In service")
    ON_LEAVE = "on_leave", _("On leave")
    RETIRED = "retired", _("Retired")


class PersonQuerySet(models.QuerySet):
    def current(self) -> "PersonQuerySet":
        return self.exclude(status=PersonStatus.RETIRED)

    def search(self, text: str) -> "PersonQuerySet":
        key = search_key(text)
        if not key:
            return self.none()
        return self.filter(Q(search_key__contains=key) | Q(employee_no=text.strip()))


class Person(models.Model):
    """A member of staff (職員等): regular, fiscal-year, re-employed, temporary,
    dispatched or a contractor's personnel working on the premises.

    `unit` and `position` are where the person works now; `assignments`
    holds every period, so the question "who was where, when" is answered by
    the history, and the current fields are kept equal to its open period by
    the actions in mamori.org.actions.
    """

    employee_no = models.CharField(_("employee number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("reading (furigana)"), max_length=100)
    # Compared with a normalized query in PersonQuerySet.search.
    search_key = models.GeneratedField(
        expression=Replace(Concat("name", Value("|"), "name_kana"), Value(" "), Value("")),
        output_field=models.CharField(max_length=201),
        db_persist=True,
    )
    employment_type = models.CharField(
        _("employment type"), max_length=20, choices=EmploymentType.choices
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people"
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="holders",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone / extension"), max_length=30, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["employee_no"]
        indexes = [models.Index(fields=["unit", "status"], name="org_person_unit_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def heads_unit(self) -> bool:
        return bool(
            self.position_id and self.position.is_unit_head and self.status != PersonStatus.RETIRED
        )


class AssignmentReason(models.TextChoices):
    HIRE = "hire", _("Hired (採用)")
    TRANSFER = "transfer", _("Transfer (異動)")


class Assignment(models.Model):
    """One period in which a person held a position in a unit (所属履歴)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="assignments"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assignments"
    )
    position = models.ForeignKey(
        Position, verbose_name=_("position"), null=True, blank=True, on_delete=models.PROTECT
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=AssignmentReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["person", "-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(end_date__isnull=True),
                name="org_one_open_assignment_per_person",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="org_assignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit} ({self.start_date}–{self.end_date or ''})"


class AbsenceQuerySet(models.QuerySet):
    def on(self, day) -> "AbsenceQuerySet":
        return self.filter(start_date__lte=day, end_date__gte=day)


class Absence(models.Model):
    """A period in which a person is away (出張, 休暇, 病気休暇 …) and their deputy acts for them."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="absences"
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-start_date"]
        indexes = [
            models.Index(fields=["person", "start_date", "end_date"], name="org_absence_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="org_absence_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.start_date}–{self.end_date}"
