"""Onboarding screens: upload the policy documents, review the proposed pack clause by
clause, save it as a version and put it in force (mamori.policy.onboarding)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mamori.access import allowed
from mamori.policy import drafting, onboarding
from mamori.policy.actions import activate_version
from mamori.policy.forms import DraftSaveForm, DraftUploadForm, ProposalForm
from mamori.policy.models import Clause, DraftStatus, PackDraft, PolicyVersion, clause_ref
from mamori.policy.parser import parse_text
from mamori.policy.views import _inline_diff
from mamori.policy.vocabulary import RequestKind, RuleKind


def rule_label(rule: dict) -> str:
    """持ち出し, 自己点検 …: what a rule is about, in the user's words."""
    if rule.get("request") in RequestKind.values:
        return str(RequestKind(rule["request"]).label)
    if rule.get("kind") in RuleKind.values:
        return str(RuleKind(rule["kind"]).label)
    return rule.get("kind", "")


def question_text(proposal: dict) -> str:
    """The open question of a proposal, as the reviewer reads it."""
    code = proposal.get("question")
    if not code:
        return ""
    texts = {
        "classification_missing": _(
            "The text defines no classification. Enter the axis and its levels, most "
            "important first; they will be marked as the organization's choice."
        ),
        "holder_unknown": _(
            "The text does not say clearly who holds this role. Choose how its holders are found."
        ),
        "appointed_twice": _(
            "Another clause (%(where)s) appoints this role differently. Decide who holds it."
        )
        % {"where": proposal["data"].get("also_appointed_in", "")},
        "staff_clause": _(
            "No clause names the staff bound by the policy. Confirm the role every member of "
            "staff holds."
        ),
        "actor_unmapped": _("Which role does this phrase mean? Reject it if none."),
        "approver_unknown": _(
            "The clause does not say who gives this permission. Choose the role."
        ),
        "roles_unknown": _("Which role carries this out?"),
        "by_unknown": _("Which role carries this out?"),
        "keeper_unknown": _("Which role keeps this ledger?"),
        "steps_unknown": _("Whom does a report go to, in order?"),
    }
    return texts.get(code, _("Decide this proposal."))


_SECTIONS = [
    (drafting.AXIS, gettext_lazy("Classification")),
    (drafting.ROLE, gettext_lazy("Roles and holders")),
    (drafting.ACTOR, gettext_lazy("Actors named in the text")),
    (drafting.RULE, gettext_lazy("Rules mamori runs")),
]


def _choices(draft: PackDraft) -> tuple[list, list]:
    roles = [
        (p["data"]["key"], p["data"]["name"])
        for p in draft.proposals
        if p["type"] == drafting.ROLE and p["state"] != drafting.REJECTED
    ]
    axes = [
        p["data"]
        for p in draft.proposals
        if p["type"] == drafting.AXIS and p["state"] != drafting.REJECTED and p["data"]["levels"]
    ]
    return roles, axes


def _staff_changes(draft: PackDraft, names: dict[str, str]) -> list[dict]:
    """What changes for staff against the version in force: who approves each kind of
    request, who keeps the ledger, runs self-inspections and audits, hears of incidents."""
    active = PolicyVersion.objects.filter(is_active=True).only("pack").first()
    old_rules, old_names = {}, {}
    if active is not None:
        old_names = {r["key"]: r["name"] for r in active.pack.get("roles", [])}
        for rule in active.pack.get("rules", []):
            old_rules.setdefault((rule.get("kind"), rule.get("request", "")), rule)
    rows = []
    for proposal in draft.proposals:
        if proposal["type"] != drafting.RULE or proposal["state"] == drafting.REJECTED:
            continue
        rule = proposal["data"]
        old = old_rules.get((rule.get("kind"), rule.get("request", "")))
        rows.append(
            {
                "rule": rule,
                "label": rule_label(rule),
                "new": _who(rule, names),
                "old": _who(old, old_names) if old else None,
                "changed": old is None or _who(old, old_names) != _who(rule, names),
            }
        )
    return rows


def _who(rule: dict, names: dict[str, str]) -> str:
    keys = []
    for field in ("approver", "keeper", "by"):
        if rule.get(field):
            keys.append(rule[field])
    keys += list(rule.get("roles") or [])
    for step in rule.get("steps") or []:
        keys += list(step.get("roles") or [])
    return "、".join(names.get(k, k) for k in keys) or "—"


def revision(draft: PackDraft) -> dict | None:
    """A draft of a policy already loaded, against the version in force (or else the newest):
    the clauses changed, added and removed, each with the draft's proposals that cite it —
    a 新旧対照表. Clauses are matched by their number and document key."""
    base = (
        PolicyVersion.objects.filter(policy__code=draft.code)
        .order_by("-is_active", "-number")
        .first()
    )
    if base is None:
        return None
    old: dict[tuple[str, str], Clause] = {
        (c.document.key, c.ref): c
        for c in Clause.objects.filter(document__version=base).select_related("document")
    }
    cited: dict[str, list[dict]] = {}
    for proposal in draft.proposals:
        data = proposal["data"]
        label = (
            rule_label(data)
            if proposal["type"] == drafting.RULE
            else data.get("name") or data.get("phrase", "")
        )
        cited.setdefault(proposal["cite"], []).append({**proposal, "label": label})
    rows, seen = [], set()
    for document in draft.documents:
        for clause in parse_text(document["text"]).clauses:
            ref = clause_ref(clause.path)
            key = (document["key"], ref)
            seen.add(key)
            before = old.get(key)
            if before is not None and (before.heading, before.text) == (
                clause.heading,
                clause.text,
            ):
                continue
            rows.append(
                {
                    "ref": ref,
                    "document": document["title"],
                    "state": "changed" if before else "added",
                    "old": f"{before.heading}\n{before.text}".strip() if before else "",
                    "new": _inline_diff(
                        f"{before.heading}\n{before.text}".strip() if before else "",
                        f"{clause.heading}\n{clause.text}".strip(),
                    ),
                    "proposals": cited.get(f"{document['key']} {ref}", []),
                }
            )
    for key, clause in old.items():
        if key not in seen:
            rows.append(
                {
                    "ref": clause.ref,
                    "document": clause.document.title,
                    "state": "removed",
                    "old": f"{clause.heading}\n{clause.text}".strip(),
                    "new": "",
                    "proposals": [],
                }
            )
    return {"base": base, "rows": rows}


@allowed("view", PackDraft)
def drafts(request):
    return _drafts_page(request, DraftUploadForm())


def _drafts_page(request, form):
    items = request.access.restrict(PackDraft.objects.all(), "view").select_related(
        "version", "created_by"
    )
    return render(
        request,
        "policy/onboarding/drafts.html",
        {"drafts": items, "form": form},
    )


@allowed("change", PackDraft)
@require_POST
def draft_create(request):
    form = DraftUploadForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            draft = onboarding.create_draft(
                code=data["code"],
                organization=data["organization"],
                label=data["label"],
                documents=form.documents(),
                actor=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The draft is ready for review."))
            return redirect("policy:draft_detail", draft.pk)
    return _drafts_page(request, form)


def _detail(request, draft: PackDraft, *, bound: dict | None = None, status: int = 200):
    roles, axes = _choices(draft)
    names = dict(roles)
    editable = draft.status == DraftStatus.REVIEW and request.access.can("change", draft)
    sections = []
    for kind, title in _SECTIONS:
        items = []
        for proposal in draft.proposals:
            if proposal["type"] != kind:
                continue
            form = None
            if editable:
                form = (bound or {}).get(proposal["id"]) or ProposalForm(
                    proposal=proposal, roles=roles, axes=axes, prefix=proposal["id"]
                )
            items.append(
                {
                    "p": proposal,
                    "question": question_text(proposal),
                    "form": form,
                    "names": names,
                    "label": rule_label(proposal["data"]) if kind == drafting.RULE else "",
                }
            )
        sections.append({"kind": kind, "title": title, "items": items})
    open_count = len(drafting.open_questions(draft.proposals))
    return render(
        request,
        "policy/onboarding/draft.html",
        {
            "draft": draft,
            "sections": sections,
            "editable": editable,
            "open_count": open_count,
            "settled": sum(
                1 for p in draft.proposals if p["state"] == drafting.PROPOSED and not p["question"]
            ),
            "save_form": DraftSaveForm(),
            "changes": _staff_changes(draft, names),
            "may_load": request.access.can("change", PolicyVersion),
            "active": PolicyVersion.objects.filter(is_active=True).first(),
            "revision": revision(draft) if draft.status == DraftStatus.REVIEW else None,
        },
        status=status,
    )


def draft_detail(request, pk: int):
    draft = request.access.get_or_404(PackDraft.objects.select_related("version"), "view", pk=pk)
    return _detail(request, draft)


@require_POST
def draft_decide(request, pk: int, proposal: str):
    draft = request.access.get_or_404(PackDraft.objects.all(), "view", pk=pk)
    request.access.require("change", draft)
    found = next((p for p in draft.proposals if p["id"] == proposal), None)
    if found is None:
        raise Http404
    roles, axes = _choices(draft)
    form = ProposalForm(request.POST, proposal=found, roles=roles, axes=axes, prefix=proposal)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            onboarding.decide(
                draft,
                proposal,
                accept=accept,
                changes=form.changes() if accept else None,
                actor=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect(reverse("policy:draft_detail", args=[pk]) + f"#{proposal}")
    return _detail(request, draft, bound={proposal: form})


@require_POST
def draft_accept_settled(request, pk: int):
    draft = request.access.get_or_404(PackDraft.objects.all(), "view", pk=pk)
    try:
        count = onboarding.accept_settled(draft, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(count)d proposals accepted.") % {"count": count})
    return redirect("policy:draft_detail", pk)


@allowed("change", PolicyVersion)
@require_POST
def draft_save(request, pk: int):
    draft = request.access.get_or_404(PackDraft.objects.all(), "view", pk=pk)
    form = DraftSaveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("policy:draft_detail", pk)
    try:
        version = onboarding.save_draft(
            draft, effective=form.cleaned_data.get("effective"), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, _("The draft was not saved; nothing was changed."))
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Saved as %(version)s. It is not in force until you put it in force.")
            % {"version": version},
        )
    return redirect("policy:draft_detail", pk)


@allowed("change", PolicyVersion)
@require_POST
def draft_activate(request, pk: int):
    draft = request.access.get_or_404(PackDraft.objects.select_related("version"), "view", pk=pk)
    if draft.version is None:
        messages.error(
            request,
            _("Save the reviewed draft as a version first: open questions are checked then."),
        )
        return redirect("policy:draft_detail", pk)
    activate_version(draft.version, actor=request.user)
    messages.success(
        request, _("%(version)s is now the policy in force.") % {"version": draft.version}
    )
    return redirect("policy:draft_detail", pk)
