"""Who sees and does what with training and drills (mamori.access).

- The **training organizers**: the security office (administrators, incident responders,
  the audit rule's role) and the holders of an organization-wide role that a `training`
  rule of the pack names as `by` (茅野市: 情報セキュリティ統括責任者; 仙台市: the CISO). They
  create courses, add sessions, record attendance and drills.
- Courses and sessions: every signed-in user sees them (the to-do points at them).
- An attendance record: the organizers and auditors all; a person their own; the keepers of
  a unit's ledger (its 情報管理者) those of the people of their unit.
- A drill: the organizers and auditors; the units that see its organizing unit; its
  participants.
- Units ("see_training", declared on OrgUnit): whose completion figures the user sees —
  the organizers, auditors and organization-wide overseers all; a 課長 their own 課, a 局長
  their 局.
"""

from django.db.models import Q

from mamori.access import ObjectRules, rules_for, units_under
from mamori.org.models import OrgUnit
from mamori.policy.vocabulary import RuleKind
from mamori.training.models import Attendance, Course, Drill, Session


def organizes_training(access) -> bool:
    def compute() -> bool:
        if not access.authenticated:
            return False
        if access.security_office:
            return True
        context = access.context
        if context is None:
            return False
        keys = {
            rule.by
            for rule in context.rules_of(RuleKind.TRAINING)
            if rule.by in context.roles and context.roles[rule.by].scope == "organization"
        }
        return bool(keys) and access.holds(*keys)

    return access.memo("training.organizer", compute)


def reads_all_training(access) -> bool:
    return organizes_training(access) or access.is_auditor or access.oversees_all


def _watched_paths(access) -> list[str]:
    """The units whose training a 課長 or 局長 watches: those whose ledgers they keep and
    those of their department- or division-scoped roles."""
    return access.kept_paths + [unit.path for unit in access.overseen_units]


def people_filter(access) -> Q | None:
    """The people whose training status the user sees (a filter on Person), or None."""
    if not access.authenticated:
        return None
    if reads_all_training(access):
        return Q()
    paths = _watched_paths(access)
    return Q(unit__in=units_under(paths)) if paths else None


class _OrganizedRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "view":
            return Q()
        return Q() if organizes_training(access) else None

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        return action == "view" or organizes_training(access)


@rules_for(Course)
class CourseRules(_OrganizedRules):
    pass


@rules_for(Session)
class SessionRules(_OrganizedRules):
    pass


@rules_for(Attendance)
class AttendanceRules(ObjectRules):
    actions = ("view",)

    def where(self, access, action):
        if not access.authenticated:
            return None
        if reads_all_training(access):
            return Q()
        own = Q(person_id=access.person.pk) if access.person is not None else Q(pk__in=[])
        if access.keeps_any_ledger:
            return own | access.managed_filter("person__unit")
        return own

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if obj is None or reads_all_training(access):
            return True
        if access.person is not None and obj.person_id == access.person.pk:
            return True
        return access.manages_unit(obj.person.unit)


@rules_for(Drill)
class DrillRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "change":
            return Q() if organizes_training(access) else None
        if reads_all_training(access):
            return Q()
        condition = access.unit_filter("unit")
        if access.person is not None:
            took_part = Drill.participants.through.objects.filter(person_id=access.person.pk)
            condition |= Q(pk__in=took_part.values("drill_id"))
        return condition

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if action == "change" or obj is None:
            return organizes_training(access) if action == "change" else True
        if reads_all_training(access) or access.sees_unit(obj.unit):
            return True
        return access.person is not None and obj.participants.filter(pk=access.person.pk).exists()


@rules_for(OrgUnit)
class TrainingUnitRules(ObjectRules):
    actions = ("see_training",)

    def where(self, access, action):
        if not access.authenticated:
            return None
        if reads_all_training(access):
            return Q()
        paths = _watched_paths(access)
        return Q(pk__in=units_under(paths)) if paths else None

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if reads_all_training(access):
            return True
        paths = _watched_paths(access)
        if obj is None:
            return bool(paths)
        return any(obj.path.startswith(path) for path in paths)
