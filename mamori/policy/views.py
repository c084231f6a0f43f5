import difflib
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.access import allowed
from mamori.lib.forms import apply_validation_error, object_id
from mamori.policy import actions
from mamori.policy.forms import DesignationForm, ObligationFilterForm
from mamori.policy.models import (
    Appointment,
    Clause,
    Obligation,
    PackDraft,
    Policy,
    PolicyDocument,
    PolicyRole,
    PolicyVersion,
    RoleDesignation,
)
from mamori.policy.rules import active_context


def _active_or_404() -> PolicyVersion:
    version = PolicyVersion.objects.select_related("policy").filter(is_active=True).first()
    if version is None:
        raise Http404(_("No policy is in force yet."))
    return version


def _version(pk: int) -> PolicyVersion:
    return get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)


def home(request):
    """The policy in force, its documents, and every loaded version."""
    active = PolicyVersion.objects.select_related("policy").filter(is_active=True).first()
    policies = Policy.objects.prefetch_related(
        Prefetch(
            "versions",
            queryset=PolicyVersion.objects.order_by("-number").select_related("loaded_by"),
        )
    )
    documents = list(active.documents.all()) if active else []
    counts = {}
    if active:
        counts = {
            "clauses": Clause.objects.filter(document__version=active).count(),
            "obligations": Obligation.objects.filter(clause__document__version=active).count(),
            "roles": active.roles.count(),
            "rules": active.rules.count(),
        }
    return render(
        request,
        "policy/home.html",
        {
            "active": active,
            "policies": policies,
            "documents": documents,
            "counts": counts,
            "may_draft": request.access.can("view", PackDraft),
        },
    )


@allowed("change", PolicyVersion)
@require_POST
def activate(request, pk: int):
    version = _version(pk)
    actions.activate_version(version, actor=request.user)
    messages.success(request, _("%(version)s is now the policy in force.") % {"version": version})
    return redirect("policy:home")


def _annotate_clauses(version: PolicyVersion, clauses: list[Clause]) -> None:
    """Attach to each clause what mamori does with it: obligations, rules, roles, appointments."""
    ids = [clause.pk for clause in clauses]
    by_clause = defaultdict(list)
    obligations = (
        Obligation.objects.filter(clause_id__in=ids)
        .prefetch_related(Prefetch("roles", queryset=PolicyRole.objects.only("pk", "key", "name")))
        .order_by("clause_id", "order")
    )
    for obligation in obligations:
        by_clause[obligation.clause_id].append(obligation)
    rules = defaultdict(list)
    for rule in version.rules.all():
        rules[rule.clause_id].append(rule)
    roles = defaultdict(list)
    for role in version.roles.all():
        if role.clause_id:
            roles[role.clause_id].append(role)
    appointments = defaultdict(list)
    for appointment in Appointment.objects.filter(clause_id__in=ids).select_related("role"):
        appointments[appointment.clause_id].append(appointment)
    for clause in clauses:
        clause.obligation_list = by_clause.get(clause.pk, [])
        clause.rule_list = rules.get(clause.pk, [])
        clause.role_list = roles.get(clause.pk, [])
        clause.appointment_list = appointments.get(clause.pk, [])


def document(request, pk: int, key: str):
    """A policy document as the organization wrote it, with what mamori does with each clause."""
    version = _version(pk)
    doc = get_object_or_404(PolicyDocument, version=version, key=key)
    clauses = list(doc.clauses.order_by("order"))
    query = request.GET.get("q", "").strip()
    matches = []
    if query:
        needle = query.casefold()
        matches = [c for c in clauses if needle in f"{c.ref} {c.heading} {c.text}".casefold()]
    _annotate_clauses(version, clauses)
    return render(
        request,
        "policy/document.html",
        {
            "version": version,
            "document": doc,
            "documents": version.documents.all(),
            "clauses": clauses,
            "toc": [c for c in clauses if c.depth <= 1 or (c.heading and c.depth <= 2)],
            "query": query,
            "matches": matches,
        },
    )


def obligations(request, pk: int):
    """The obligation register: every obligation with its clause, filtered by role or modality."""
    version = _version(pk)
    form = ObligationFilterForm(request.GET or None, version=version)
    items = (
        Obligation.objects.filter(clause__document__version=version)
        .select_related("clause__document")
        .prefetch_related(Prefetch("roles", queryset=PolicyRole.objects.only("pk", "key", "name")))
        .order_by("clause__document__order", "clause__order", "order")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data.get("role"):
            items = items.filter(roles__key=data["role"])
        if data.get("modality"):
            items = items.filter(modality=data["modality"])
        if data.get("q"):
            items = items.filter(Q(text__icontains=data["q"]) | Q(clause__ref__icontains=data["q"]))
        if data.get("unmapped"):
            items = items.filter(roles__isnull=True)
    items = list(items.distinct())
    return render(
        request, "policy/obligations.html", {"version": version, "form": form, "items": items}
    )


def mine(request):
    """私の義務: the obligations that bind the roles the signed-in user holds today."""
    version = _active_or_404()
    context = active_context()
    person = request.user.person
    held = context.roles_of(person) if person else []
    role_ids = {role.pk for role, _unit in held}
    items = Obligation.objects.binding(role_ids)
    grouped = defaultdict(list)
    for obligation in items:
        for role in obligation.roles.all():
            if role.pk in role_ids:
                grouped[role.pk].append(obligation)
    sections = [
        {"role": role, "unit": unit, "obligations": grouped.get(role.pk, [])}
        for role, unit in sorted(held, key=lambda pair: pair[0].order)
    ]
    return render(
        request,
        "policy/mine.html",
        {
            "version": version,
            "sections": sections,
            "person": person,
            "total": len({o.pk for o in items}),
        },
    )


def roles(request):
    """The roles of the policy in force and who holds them today, with deputies."""
    version = _active_or_404()
    context = active_context()
    today = timezone.localdate()
    rows = []
    for role in sorted(context.roles.values(), key=lambda r: r.order):
        holders = context.holders(role.key, on=today) if role.scope != "everyone" else []
        by_unit = defaultdict(list)
        for holder in holders:
            by_unit[holder.unit].append(holder)
        rows.append(
            {
                "role": role,
                "citation": context.citation(role.clause),
                "groups": sorted(by_unit.items(), key=lambda item: item[0].path if item[0] else ""),
                "deputy_of": context.roles.get(role.deputy_of),
            }
        )
    designations = (
        RoleDesignation.objects.filter(policy=version.policy)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("person__unit", "unit")
        .order_by("role_key", "start_date")
    )
    names = {role.key: role.name for role in context.roles.values()}
    for designation in designations:
        designation.role_name = names.get(designation.role_key, designation.role_key)
    return render(
        request,
        "policy/roles.html",
        {
            "version": version,
            "rows": rows,
            "designations": designations,
            "form": DesignationForm(context=context)
            if request.access.can("change", RoleDesignation)
            else None,
        },
    )


@allowed("change", RoleDesignation)
@require_POST
def designation_create(request):
    version = _active_or_404()
    context = active_context()
    form = DesignationForm(request.POST, context=context)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.designate(
                policy=version.policy,
                role_key=data["role_key"],
                person=data["person"],
                unit=data["unit"],
                start_date=data["start_date"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The designation has been recorded."))
            return redirect("policy:roles")
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''} {error}".strip(),
            )
    return redirect("policy:roles")


@allowed("change", RoleDesignation)
@require_POST
def designation_end(request, pk: int):
    designation = get_object_or_404(RoleDesignation, pk=pk)
    try:
        actions.end_designation(designation, end_date=timezone.localdate(), actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The designation has ended."))
    return redirect("policy:roles")


def classification(request):
    version = _active_or_404()
    context = active_context()
    axes = list(version.axes.prefetch_related("levels").select_related("clause__document"))
    for axis in axes:
        axis.citation = context.citation(axis.clause)
        levels = list(axis.levels.all())
        axis.level_list = levels
        axis.threshold_examples = [
            (level.label, [other.label for other in levels if other.rank <= level.rank])
            for level in levels
        ]
    return render(request, "policy/classification.html", {"version": version, "axes": axes})


def diff(request):
    """What changed between two versions, clause by clause."""
    versions = PolicyVersion.objects.select_related("policy").order_by("policy__code", "number")
    old = versions.filter(pk=object_id(request.GET.get("a")) or 0).first()
    new = versions.filter(pk=object_id(request.GET.get("b")) or 0).first()
    result = None
    if old and new:
        result = compare_versions(old, new)
    return render(
        request,
        "policy/diff.html",
        {"versions": versions, "old": old, "new": new, "result": result},
    )


def _clauses_with_obligations(version: PolicyVersion) -> dict[str, list]:
    clauses = (
        Clause.objects.filter(document__version=version)
        .select_related("document")
        .order_by("document__order", "order")
    )
    obligations = defaultdict(list)
    for obligation in Obligation.objects.filter(clause__document__version=version).order_by(
        "order"
    ):
        obligations[obligation.clause_id].append((obligation.modality, obligation.text))
    by_document: dict[str, list] = defaultdict(list)
    for clause in clauses:
        clause.obligation_pairs = obligations.get(clause.pk, [])
        by_document[clause.document.key].append(clause)
    return by_document


def _inline_diff(old: str, new: str) -> str:
    out = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape(old[a1:a2]))
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(old[a1:a2])}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(new[b1:b2])}</ins>")
    return mark_safe("".join(out))  # every piece is escaped above


def _content(clause: Clause) -> str:
    return f"{clause.heading}\n{clause.text}"


def compare_versions(old: PolicyVersion, new: PolicyVersion) -> dict:
    """Clauses aligned by their content, not their numbers: inserting a bullet renumbers
    the ones after it, which is not a change to them."""
    before, after = _clauses_with_obligations(old), _clauses_with_obligations(new)
    added, removed, changed, renumbered, obligation_changes = [], [], [], [], []

    def pair(a: Clause, b: Clause) -> None:
        if (a.heading, a.text) != (b.heading, b.text):
            changed.append(
                {
                    "clause": b,
                    "old_ref": a.ref,
                    "heading": _inline_diff(a.heading, b.heading),
                    "text": _inline_diff(a.text, b.text),
                }
            )
        elif a.ref != b.ref:
            renumbered.append({"clause": b, "old_ref": a.ref})
        if a.obligation_pairs != b.obligation_pairs:
            obligation_changes.append(
                {
                    "clause": b,
                    "added": [o for o in b.obligation_pairs if o not in a.obligation_pairs],
                    "removed": [o for o in a.obligation_pairs if o not in b.obligation_pairs],
                }
            )

    for key in list(before) + [k for k in after if k not in before]:
        a_list, b_list = before.get(key, []), after.get(key, [])
        matcher = difflib.SequenceMatcher(
            a=[_content(c) for c in a_list], b=[_content(c) for c in b_list], autojunk=False
        )
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                for a, b in zip(a_list[a1:a2], b_list[b1:b2], strict=True):
                    pair(a, b)
                continue
            olds, news = a_list[a1:a2], b_list[b1:b2]
            # Within a replaced block, a clause that kept its place and most of its text was edited.
            while (
                olds
                and news
                and difflib.SequenceMatcher(a=_content(olds[0]), b=_content(news[0])).ratio() >= 0.6
            ):
                pair(olds.pop(0), news.pop(0))
            for clause in news:
                added.append(clause)
                if clause.obligation_pairs:
                    obligation_changes.append(
                        {"clause": clause, "added": clause.obligation_pairs, "removed": []}
                    )
            for clause in olds:
                removed.append(clause)
                if clause.obligation_pairs:
                    obligation_changes.append(
                        {"clause": clause, "added": [], "removed": clause.obligation_pairs}
                    )
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "renumbered": renumbered,
        "obligations": [c for c in obligation_changes if c["added"] or c["removed"]],
    }


@login_not_required
def public(request, code: str):
    """The organization's public policy (e.g. its basic policy), for its website."""
    policy = get_object_or_404(Policy, code=code)
    version = (
        policy.versions.filter(is_active=True).first()
        or policy.versions.order_by("-number").first()
    )
    if version is None:
        raise Http404
    documents = list(version.documents.filter(is_public=True).order_by("order"))
    if not documents:
        raise Http404
    clauses = list(
        Clause.objects.filter(document__in=documents, is_public=True)
        .select_related("document")
        .order_by("document__order", "order")
    )
    return render(
        request,
        "policy/public.html",
        {"policy": policy, "version": version, "documents": documents, "clauses": clauses},
    )
