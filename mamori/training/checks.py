"""Where training and drills fall short of the policy in force: set-based checks (see
mamori.compliance.registry), each turned on by a `training` rule of the pack and citing its
clause.

- `training.overdue`: a person who must take a training duty (by role or employment type)
  and has no completion that counts, past the duty's time for new staff (仙台市 第2章(5)①;
  茅野市 5(2)①(ア), and (ウ) on hiring).
- `training.no_course`: a training duty with people bound by it and no course to meet it.
- `training.drill_missing`: a drill duty with no drill held in the last 365 days
  (茅野市 5(2)②, 仙台市 第2章(5)②).
"""

from django.utils.translation import gettext_lazy as _

from mamori.compliance.registry import MEDIUM, register
from mamori.lib import clock
from mamori.org.models import OrgUnit
from mamori.training import duties
from mamori.training.models import Course, Drill


def _roots():
    return OrgUnit.objects.filter(parent__isnull=True, closed_on__isnull=True)


@register(
    "training.overdue",
    title=_("Required training not taken"),
    severity=MEDIUM,
    rule_kind="training",
    accepts=lambda rule: not rule.drill and bool(rule.roles or rule.employment_types),
    message=lambda person: (
        _("%(name)s (%(number)s) has no completion of this training that counts.")
        % {"name": person.name, "number": person.employee_no}
    ),
    unit_field="unit",
    only=("name", "employee_no", "unit"),
)
def overdue(context, rule):
    return duties.overdue(context, rule)


@register(
    "training.no_course",
    title=_("No course for a training duty"),
    severity=MEDIUM,
    rule_kind="training",
    accepts=lambda rule: not rule.drill and bool(rule.roles or rule.employment_types),
    message=lambda unit: _("No course has been set up to meet this training duty."),
    unit_field="self",
)
def no_course(context, rule):
    if Course.objects.filter(rule_key=rule.key).exists():
        return OrgUnit.objects.none()
    return _roots()


@register(
    "training.drill_missing",
    title=_("No drill held in the last year"),
    severity=MEDIUM,
    rule_kind="training",
    accepts=lambda rule: rule.drill,
    message=lambda unit: _("No drill meeting this duty has been recorded in the last 365 days."),
    unit_field="self",
)
def drill_missing(context, rule):
    since = clock.today() - duties.YEAR
    held = Drill.objects.filter(rule_key=rule.key, held_on__gt=since)
    return OrgUnit.objects.none() if held.exists() else _roots()
