"""Storing policy packs as versions, choosing the active one, designating people to roles."""

import datetime as dt
import json
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.policy.events import PolicyEvent
from mamori.policy.models import (
    Appointment,
    ClassificationAxis,
    ClassificationLevel,
    Clause,
    Obligation,
    Policy,
    PolicyDocument,
    PolicyRole,
    PolicyVersion,
    RoleDesignation,
    Rule,
    clause_ref,
)
from mamori.policy.packs import _CITE, Pack, pack_json, split_ref
from mamori.policy.rules import context_for
from mamori.policy.text import compact, decode
from mamori.trail.chain import record, snapshot


def _is_public(document, path: list[str]) -> bool:
    if not document.public:
        return False
    return not any(path[: len(part)] == part for part in document.private_parts)


# What else happens, in the same transaction, when a version comes into force: apps above
# the policy add their step when Django starts (the ledger recomputes the level ranks it
# stores beside each classification, a derived column with no trail event of its own).
_activation_steps: list[Callable] = []


def on_activation(step: Callable) -> Callable:
    """Register `step(version)` to run inside activate_version's transaction."""
    if step not in _activation_steps:
        _activation_steps.append(step)
    return step


@action
def load_pack(
    pack: Pack, *, actor, activate: bool = False, activate_if_first: bool = True
) -> tuple[PolicyVersion, bool]:
    """Store a validated pack as a new version of its organization's policy.

    The first version of an installation comes into force at once, unless
    `activate_if_first` is false (a draft reviewed in the browser waits for its activation).

    Returns (version, created). Loading an unchanged pack again returns the
    existing version and changes nothing.
    """
    authorize(actor, "change", PolicyVersion)
    data = pack.data
    policy, _created = Policy.objects.get_or_create(
        code=data["organization"]["code"], defaults={"organization": data["organization"]["name"]}
    )
    existing = PolicyVersion.objects.filter(policy=policy, digest=pack.digest).first()
    if existing is not None:
        if activate and not existing.is_active:
            activate_version(existing, actor=actor)
        return existing, False
    if policy.organization != data["organization"]["name"]:
        policy.organization = data["organization"]["name"]
        policy.save(update_fields=["organization"])

    number = (PolicyVersion.objects.filter(policy=policy).aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion.objects.create(
        policy=policy,
        number=number,
        label=str(data["version"]["label"]),
        effective_date=data["version"].get("effective"),
        digest=pack.digest,
        pack=pack_json(pack),
        loaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )

    clauses_by_ref: dict[tuple[str, str], Clause] = {}
    for order, document in enumerate(pack.documents):
        stored = PolicyDocument.objects.create(
            version=version,
            key=document.key,
            title=document.title,
            kind=document.kind,
            is_public=document.public,
            source_text=decode(document.data, name=document.key),
            order=order,
        )
        by_id = {}
        rows = []
        for index, clause in enumerate(document.parsed.clauses):
            row = Clause(
                document=stored,
                path=clause.path,
                ref=clause_ref(clause.path),
                heading=clause.heading[:300],
                text=clause.text,
                depth=len(clause.path) - 1,
                order=index,
                is_public=_is_public(document, clause.path),
            )
            rows.append((clause, row))
        Clause.objects.bulk_create([row for _c, row in rows])
        # Parents after the rows exist (bulk_create sets primary keys on both databases).
        for clause, row in rows:
            by_id[id(clause)] = row
            clauses_by_ref[(document.key, row.ref)] = row
        parents = []
        for clause, row in rows:
            if clause.parent is not None:
                row.parent = by_id[id(clause.parent)]
                parents.append(row)
        Clause.objects.bulk_update(parents, ["parent"])

    def cited(value) -> Clause | None:
        if not value:
            return None
        found = _CITE.match(str(value))
        return clauses_by_ref[(found.group("doc"), split_ref(found.group("ref")))]

    roles: dict[str, PolicyRole] = {}
    for order, role in enumerate(data["roles"]):
        roles[role["key"]] = PolicyRole.objects.create(
            version=version,
            key=role["key"],
            name=str(role["name"]),
            aliases=[str(a) for a in role.get("aliases") or []],
            scope=role["scope"],
            holder=role["holder"],
            deputy_of=role.get("deputy_of") or "",
            description=str(role.get("description") or ""),
            clause=cited(role.get("cite")),
            order=order,
        )
    # Which role each actor phrase binds: role names, aliases, then the pack's actor map.
    actor_roles = {}
    for key, role in roles.items():
        actor_roles[compact(role.name)] = key
        for alias in role.aliases:
            actor_roles[compact(alias)] = key
    for phrase, key in (data.get("actors") or {}).items():
        actor_roles[compact(phrase)] = key

    obligation_rows, links = [], []
    appointment_rows = []
    for document in pack.documents:
        counters: dict[str, int] = {}
        for item in document.parsed.obligations:
            clause = clauses_by_ref[(document.key, clause_ref(item.path))]
            counters[clause.ref] = counters.get(clause.ref, 0) + 1
            row = Obligation(
                clause=clause,
                order=counters[clause.ref],
                modality=item.modality,
                text=item.text,
                actors=item.actors,
            )
            obligation_rows.append(row)
            links.append(
                {actor_roles[compact(a)] for a in item.actors if compact(a) in actor_roles}
            )
        for item in document.parsed.appointments:
            clause = clauses_by_ref[(document.key, clause_ref(item.path))]
            key = actor_roles.get(compact(item.role))
            appointment_rows.append(
                Appointment(
                    clause=clause,
                    holder=item.holder,
                    role_name=item.role,
                    role=roles.get(key) if key else None,
                )
            )
    Obligation.objects.bulk_create(obligation_rows)
    through = Obligation.roles.through
    through.objects.bulk_create(
        [
            through(obligation_id=row.pk, policyrole_id=roles[key].pk)
            for row, keys in zip(obligation_rows, links, strict=True)
            for key in sorted(keys)
        ]
    )
    Appointment.objects.bulk_create(appointment_rows)

    for order, axis in enumerate(data["classification"]["axes"]):
        stored = ClassificationAxis.objects.create(
            version=version,
            key=axis["key"],
            name=str(axis["name"]),
            description=str(axis.get("description") or ""),
            chosen_by_organization=bool(axis.get("chosen_by_organization")),
            clause=cited(axis.get("cite")),
            order=order,
        )
        ClassificationLevel.objects.bulk_create(
            [
                ClassificationLevel(
                    axis=stored,
                    label=str(level["label"] if isinstance(level, dict) else level),
                    rank=rank,
                    description=str(level.get("description") or "")
                    if isinstance(level, dict)
                    else "",
                )
                for rank, level in enumerate(axis["levels"])
            ]
        )

    Rule.objects.bulk_create(
        [
            Rule(
                version=version,
                key=rule["key"],
                kind=rule["kind"],
                spec=pack_json_value(rule),
                clause=cited(rule["cite"]),
                order=order,
            )
            for order, rule in enumerate(data.get("rules") or [])
        ]
    )
    record(
        PolicyEvent.VERSION_LOADED,
        actor=actor,
        target=version,
        after={
            "digest": pack.digest,
            "clauses": len(clauses_by_ref),
            "obligations": len(obligation_rows),
            "roles": len(roles),
            "rules": len(data.get("rules") or []),
        },
    )
    if activate or (
        activate_if_first and not PolicyVersion.objects.filter(is_active=True).exists()
    ):
        activate_version(version, actor=actor)
    return version, True


def pack_json_value(value):
    return json.loads(
        json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))
    )


@action
def activate_version(version: PolicyVersion, *, actor) -> PolicyVersion:
    """Make `version` the policy in force. The previous version stays readable."""
    authorize(actor, "change", version)
    previous = PolicyVersion.objects.select_for_update().filter(is_active=True).first()
    if previous is not None and previous.pk == version.pk:
        return version
    if previous is not None:
        PolicyVersion.objects.filter(pk=previous.pk).update(is_active=False)
    PolicyVersion.objects.filter(pk=version.pk).update(is_active=True)
    version.is_active = True
    for step in _activation_steps:
        step(version)
    record(
        PolicyEvent.VERSION_ACTIVATED,
        actor=actor,
        target=version,
        before={"active": str(previous) if previous else None},
        after={"active": str(version)},
    )
    return version


@action
def designate(
    *, policy: Policy, role_key: str, person, unit, start_date: dt.date, actor, note: str = ""
) -> RoleDesignation:
    """Designate a person to a role by name (指名): 副情報管理者, システム担当者 …."""
    authorize(actor, "change", RoleDesignation)
    context = context_for(policy)
    role = context.roles.get(role_key) if context else None
    if role is None:
        raise ValidationError(
            {"role_key": _("The policy in force has no role %(key)s.") % {"key": role_key}}
        )
    if role.holder.get("designated") is not True:
        raise ValidationError(
            {
                "role_key": _(
                    "Holders of %(role)s follow from their post; they are not designated."
                )
                % {"role": role.name}
            }
        )
    if person.status == "retired":
        raise ValidationError({"person": _("A retired person cannot be designated.")})
    if RoleDesignation.objects.filter(
        policy=policy, role_key=role_key, person=person, unit=unit, end_date__isnull=True
    ).exists():
        raise ValidationError(_("This person already holds this designation."))
    designation = RoleDesignation.objects.create(
        policy=policy,
        role_key=role_key,
        person=person,
        unit=unit,
        start_date=start_date,
        note=note.strip(),
    )
    record(
        PolicyEvent.DESIGNATED,
        actor=actor,
        target=person,
        after={
            "role": role.name,
            "role_key": role_key,
            "unit": str(unit) if unit else None,
            "from": start_date,
        },
    )
    return designation


@action
def end_designation(designation: RoleDesignation, *, end_date: dt.date, actor) -> RoleDesignation:
    authorize(actor, "change", designation)
    designation = RoleDesignation.objects.select_for_update().get(pk=designation.pk)
    if designation.end_date is not None:
        raise ValidationError(_("This designation has already ended."))
    if end_date < designation.start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    before = snapshot(designation, ["end_date"])
    designation.end_date = end_date
    designation.save(update_fields=["end_date"])
    record(
        PolicyEvent.DESIGNATION_ENDED,
        actor=actor,
        target=designation.person,
        before=before,
        after={"role_key": designation.role_key, "end_date": end_date},
    )
    return designation
