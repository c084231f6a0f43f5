"""Policy packs: one organization's policy as data (docs/policy-packs.md).

`read_pack(directory)` reads and validates a pack without touching the
database; every problem is reported with its file, line and field.
`mamori.policy.actions.load_pack` then stores it as a new version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mamori.policy.models import DocumentKind, clause_ref
from mamori.policy.pack_kinds import (
    positive_days,
    validate_outside_work,
    validate_training,
    whole_days,
)
from mamori.policy.parser import ParsedDocument, parse_bytes
from mamori.policy.text import PolicyTextError, compact, width
from mamori.policy.vocabulary import (
    NETWORK_ZONES,
    UNIT_KINDS,
    AccountSubject,
    AssetKind,
    BreachCondition,
    DayCount,
    EscalationSubject,
    IncidentCondition,
    Measure,
    PhysicalSubject,
    RecordField,
    ReportItem,
    RequestKind,
    RuleKind,
    Scope,
)

PACK_FILE = "pack.yaml"
FORMAT = 1


class PackError(ValueError):
    """Everything wrong with a pack, each problem with its place."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# YAML with line numbers ----------------------------------------------------------------


class _Located:
    """Plain data from YAML plus the line each value came from."""

    def __init__(self, file: str):
        self.file = file
        self.lines: dict[tuple, int] = {}

    def build(self, node, where: tuple = ()):
        self.lines[where] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key = str(self._scalar(key_node))
                out[key] = self.build(value_node, (*where, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*where, index)) for index, item in enumerate(node.value)]
        return self._scalar(node)

    @staticmethod
    def _scalar(node):
        loader = yaml.SafeLoader("")
        try:
            return loader.construct_object(node, deep=True)
        finally:
            loader.dispose()

    def at(self, where: tuple) -> str:
        for length in range(len(where), -1, -1):
            line = self.lines.get(tuple(where[:length]))
            if line is not None:
                return f"{self.file}:{line}"
        return self.file


def _field_name(where: tuple) -> str:
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# The pack as read ---------------------------------------------------------------------


@dataclass
class PackDocument:
    key: str
    title: str
    kind: str
    public: bool
    private_parts: list[list[str]]
    file: Path
    data: bytes
    parsed: ParsedDocument


@dataclass
class Pack:
    directory: Path
    data: dict
    documents: list[PackDocument]
    digest: str
    warnings: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.data["organization"]["code"]

    def document(self, key: str) -> PackDocument:
        return next(doc for doc in self.documents if doc.key == key)


_CITE = re.compile(r"^\s*(?P<doc>[a-z0-9_-]+)\s+(?P<ref>\S.*?)\s*$")


def split_ref(ref: str) -> str:
    return re.sub(r"\s+", "", width(ref)).replace("・", " ・").strip()


class _Validator:
    def __init__(self, located: _Located):
        self.located = located
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def problem(self, where: tuple, message: str) -> None:
        self.problems.append(f"{self.located.at(where)}: {_field_name(where) or 'pack'}: {message}")

    def warn(self, where: tuple, message: str) -> None:
        self.warnings.append(f"{self.located.at(where)}: {_field_name(where)}: {message}")

    def require(self, data: dict, key: str, where: tuple, kind=str):
        if not isinstance(data, dict):
            self.problem(where, "expected a mapping")
            return None
        if key not in data or data[key] in (None, ""):
            self.problem((*where, key), "is required")
            return None
        value = data[key]
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind):
            self.problem((*where, key), f"expected {_kind_name(kind)}, got {type(value).__name__}")
            return None
        return value

    def optional(self, data: dict, key: str, where: tuple, kind, default=None):
        if not isinstance(data, dict) or data.get(key) is None:
            return default
        value = data[key]
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind):
            self.problem((*where, key), f"expected {_kind_name(kind)}, got {type(value).__name__}")
            return default
        return value

    def choice(self, value, allowed, where: tuple, what: str):
        if value is None:
            return None
        if value not in allowed:
            self.problem(
                where, f"unknown {what} {value!r}; use one of: {', '.join(sorted(allowed))}"
            )
            return None
        return value


def _kind_name(kind) -> str:
    names = {str: "text", list: "a list", dict: "a mapping", bool: "true or false", int: "a number"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


# Reading ------------------------------------------------------------------------------------


def read_pack(directory: str | Path) -> Pack:
    """Read and validate the pack in `directory`; raise PackError listing every problem."""
    directory = Path(directory)
    pack_file = directory / PACK_FILE
    if not pack_file.is_file():
        raise PackError([f"{directory}: no {PACK_FILE} in this directory"])
    raw = pack_file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PackError([f"{pack_file}: not UTF-8 text"]) from None
    located = _Located(str(pack_file))
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{pack_file}:{mark.line + 1}:{mark.column + 1}" if mark else str(pack_file)
        problem = getattr(exc, "problem", None) or str(exc)
        raise PackError([f"{where}: YAML syntax error: {problem}"]) from None
    if node is None:
        raise PackError([f"{pack_file}: the file is empty"])
    data = located.build(node)
    check = _Validator(located)
    if not isinstance(data, dict):
        raise PackError([f"{pack_file}:1: the pack must be a mapping of sections"])

    fmt = data.get("format")
    if fmt != FORMAT:
        check.problem(("format",), f"expected format: {FORMAT}")
    org = check.require(data, "organization", (), dict) or {}
    code = check.require(org, "code", ("organization",))
    if code and not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,49}", code):
        check.problem(
            ("organization", "code"), "use lower-case letters, digits, - and _ (e.g. sendai)"
        )
    check.require(org, "name", ("organization",))
    version = check.require(data, "version", (), dict) or {}
    check.require(version, "label", ("version",))
    check.optional(version, "effective", ("version",), dt.date)

    documents = _read_documents(directory, data, check)
    by_key = {doc.key: doc for doc in documents}
    refs = {doc.key: {clause_ref(c.path): c for c in doc.parsed.clauses} for doc in documents}

    def cite(where: tuple, value) -> None:
        if value is None:
            check.problem(where, "is required: cite the clause, e.g. 'standards 4(2)②(ア)'")
            return
        found = _CITE.match(str(value))
        if not found:
            check.problem(where, f"cannot read citation {value!r}; write '<document key> <clause>'")
            return
        doc_key, ref = found.group("doc"), split_ref(found.group("ref"))
        if doc_key not in by_key:
            check.problem(where, f"no document with key {doc_key!r} in documents")
        elif ref not in refs[doc_key]:
            check.problem(where, f"document {doc_key!r} has no clause {ref}")

    _validate_revisions(data, check)
    axes = _validate_classification(data, check, cite)
    roles = _validate_roles(data, check, cite)
    _validate_actors(data, check, roles, documents)
    _validate_rules(data, check, cite, roles, axes)
    _validate_incident_types(data, check, cite)

    if check.problems:
        raise PackError(check.problems)
    digest = _digest(raw, documents)
    return Pack(
        directory=directory, data=data, documents=documents, digest=digest, warnings=check.warnings
    )


def _read_documents(directory: Path, data: dict, check: _Validator) -> list[PackDocument]:
    items = check.require(data, "documents", (), list) or []
    documents = []
    seen = set()
    for index, item in enumerate(items):
        where = ("documents", index)
        if not isinstance(item, dict):
            check.problem(where, "expected a mapping")
            continue
        key = check.require(item, "key", where)
        title = check.require(item, "title", where)
        file_name = check.require(item, "file", where)
        kind = check.choice(
            check.require(item, "kind", where),
            set(DocumentKind.values),
            (*where, "kind"),
            "document kind",
        )
        public = check.optional(item, "public", where, bool, False)
        private_parts = check.optional(item, "private_parts", where, list, [])
        if key in seen:
            check.problem((*where, "key"), f"document key {key!r} is used twice")
        seen.add(key)
        if not (key and title and file_name and kind):
            continue
        path = (directory / file_name).resolve()
        if not path.is_relative_to(directory.resolve()):
            check.problem((*where, "file"), "must be inside the pack directory")
            continue
        if not path.is_file():
            check.problem((*where, "file"), f"file not found: {file_name}")
            continue
        raw = path.read_bytes()
        try:
            parsed = parse_bytes(raw, name=str(path))
        except PolicyTextError as exc:
            check.problem((*where, "file"), str(exc))
            continue
        if not parsed.clauses:
            check.problem((*where, "file"), f"{file_name}: no numbered clauses found in the text")
            continue
        parts = []
        for p_index, part in enumerate(private_parts):
            labels = [width(str(label)) for label in (part if isinstance(part, list) else [part])]
            if not any(c.path[: len(labels)] == labels for c in parsed.clauses):
                check.problem(
                    (*where, "private_parts", p_index),
                    f"no clause {clause_ref(labels)} in {file_name}",
                )
            parts.append(labels)
        documents.append(PackDocument(key, title, kind, public, parts, path, raw, parsed))
    if not items:
        check.problem(("documents",), "list at least one document")
    return documents


def _validate_revisions(data: dict, check: _Validator) -> None:
    for index, item in enumerate(check.optional(data, "revisions", (), list, [])):
        where = ("revisions", index)
        if not isinstance(item, dict):
            check.problem(where, "expected a mapping with date and summary")
            continue
        if not isinstance(item.get("date"), dt.date):
            check.problem((*where, "date"), "expected a date such as 2023-03-28")
        check.require(item, "summary", where)


def _validate_classification(data: dict, check: _Validator, cite) -> dict[str, list[str]]:
    section = check.require(data, "classification", (), dict) or {}
    axes: dict[str, list[str]] = {}
    for index, axis in enumerate(check.require(section, "axes", ("classification",), list) or []):
        where = ("classification", "axes", index)
        if not isinstance(axis, dict):
            check.problem(where, "expected a mapping")
            continue
        key = check.require(axis, "key", where)
        check.require(axis, "name", where)
        cite((*where, "cite"), axis.get("cite"))
        labels = []
        for l_index, level in enumerate(check.require(axis, "levels", where, list) or []):
            label = level.get("label") if isinstance(level, dict) else level
            if label is None or str(label) == "":
                check.problem((*where, "levels", l_index), "a level needs a label")
                continue
            label = width(str(label))
            if label in labels:
                check.problem((*where, "levels", l_index), f"level {label} is listed twice")
            labels.append(label)
        if key in axes:
            check.problem((*where, "key"), f"axis key {key!r} is used twice")
        if key and len(labels) < 2:
            check.problem(
                (*where, "levels"), "an axis needs at least two levels, most important first"
            )
        if key:
            axes[key] = labels
    return axes


def _validate_roles(data: dict, check: _Validator, cite) -> dict[str, dict]:
    roles: dict[str, dict] = {}
    items = check.require(data, "roles", (), list) or []
    for index, role in enumerate(items):
        where = ("roles", index)
        if not isinstance(role, dict):
            check.problem(where, "expected a mapping")
            continue
        key = check.require(role, "key", where)
        check.require(role, "name", where)
        scope = check.choice(
            check.require(role, "scope", where), set(Scope.values), (*where, "scope"), "scope"
        )
        cite((*where, "cite"), role.get("cite"))
        holder = check.require(role, "holder", where, dict) or {}
        _validate_holder(holder, scope, (*where, "holder"), check)
        if key in roles:
            check.problem((*where, "key"), f"role key {key!r} is used twice")
        if key:
            roles[key] = role
    for index, role in enumerate(items):
        deputy_of = role.get("deputy_of") if isinstance(role, dict) else None
        if deputy_of and deputy_of not in roles:
            check.problem(("roles", index, "deputy_of"), f"unknown role {deputy_of!r}")
    if not any(isinstance(r, dict) and r.get("scope") == Scope.EVERYONE for r in items):
        check.problem(
            ("roles",), "define the role every member of staff holds (scope: everyone), e.g. 職員等"
        )
    return roles


_HOLDER_FORMS = {
    "head_of",
    "lead_division_of",
    "position",
    "positions",
    "unit_head",
    "members_of",
    "designated",
    "everyone",
    "system_owner",
}


def _validate_holder(holder: dict, scope: str | None, where: tuple, check: _Validator) -> None:
    forms = set(holder) & _HOLDER_FORMS
    unknown = set(holder) - _HOLDER_FORMS - {"unit"}
    for name in unknown:
        check.problem(
            (*where, name), f"unknown holder rule; use one of: {', '.join(sorted(_HOLDER_FORMS))}"
        )
    if len(forms) != 1:
        check.problem(where, f"give exactly one of: {', '.join(sorted(_HOLDER_FORMS))}")
        return
    form = forms.pop()
    value = holder[form]
    if form in {"head_of", "lead_division_of"}:
        kinds = value if isinstance(value, list) else [value]
        for kind in kinds:
            check.choice(kind, UNIT_KINDS, (*where, form), "unit kind")
    elif form == "position":
        if not isinstance(value, str):
            check.problem((*where, form), "expected a position name such as 市長")
    elif form == "positions":
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            check.problem((*where, form), "expected a list of position names")
    elif form in {"unit_head", "members_of"} and not isinstance(value, str | int):
        check.problem((*where, form), "expected a unit name or code")
    expected_scope = {
        "everyone": Scope.EVERYONE,
        "designated": None,
        "system_owner": Scope.SYSTEM,
    }.get(form)
    if expected_scope and scope and scope != expected_scope:
        check.problem(where, f"holder rule {form!r} goes with scope {expected_scope.value!r}")


def _validate_actors(
    data: dict, check: _Validator, roles: dict[str, dict], documents: list[PackDocument]
) -> None:
    actors = check.optional(data, "actors", (), dict, {}) or {}
    for phrase, key in actors.items():
        if key not in roles:
            check.problem(("actors", phrase), f"unknown role {key!r}")
    known = {compact(phrase) for phrase in actors}
    for role in roles.values():
        known.add(compact(str(role.get("name", ""))))
        known.update(compact(str(alias)) for alias in role.get("aliases") or [])
    unmapped = set()
    for document in documents:
        for obligation in document.parsed.obligations:
            unmapped.update(actor for actor in obligation.actors if compact(actor) not in known)
    for actor in sorted(unmapped):
        check.warn(("actors",), f"the actor {actor!r} binds no role (add it under actors:)")


def _validate_rules(
    data: dict, check: _Validator, cite, roles: dict[str, dict], axes: dict[str, list[str]]
) -> None:
    seen = set()
    for index, rule in enumerate(check.optional(data, "rules", (), list, []) or []):
        where = ("rules", index)
        if not isinstance(rule, dict):
            check.problem(where, "expected a mapping")
            continue
        key = check.require(rule, "key", where)
        if key in seen:
            check.problem((*where, "key"), f"rule key {key!r} is used twice")
        seen.add(key)
        kind = check.choice(
            check.require(rule, "kind", where), set(RuleKind.values), (*where, "kind"), "rule kind"
        )
        cite((*where, "cite"), rule.get("cite"))
        for cite_field in (
            "emergency_cite",
            "minor_cite",
            "review_cite",
            "report_cite",
            "also_cite",
        ):
            if cite_field in rule:
                cite((*where, cite_field), rule[cite_field])
        if "when" in rule:
            _validate_condition(rule["when"], (*where, "when"), check, axes)
        for role_field in (
            "approver",
            "keeper",
            "by",
            "reporter",
            "fallback",
            "requester",
            "escalate_to",
        ):
            value = rule.get(role_field)
            if value is not None and value not in roles:
                check.problem((*where, role_field), f"unknown role {value!r}")
        for role_field in ("roles", "approvers", "consult", "responders"):
            for r_index, value in enumerate(rule.get(role_field) or []):
                if value not in roles:
                    check.problem((*where, role_field, r_index), f"unknown role {value!r}")
        for a_index, value in enumerate(rule.get("asset_kinds") or []):
            check.choice(
                value, set(AssetKind.values), (*where, "asset_kinds", a_index), "asset kind"
            )
        if "forbidden_at_least" in rule:
            _validate_condition(
                {"axis": rule.get("axis"), "at_least": rule["forbidden_at_least"]},
                where,
                check,
                axes,
            )
        if kind == RuleKind.PERMISSION:
            check.choice(
                check.require(rule, "request", where),
                set(RequestKind.values),
                (*where, "request"),
                "request kind",
            )
            if "approver" not in rule and not rule.get("forbidden") and rule.get("required", True):
                check.problem(
                    where,
                    "a permission rule needs an approver (a role key), forbidden: true or required: false",
                )
            for r_index, value in enumerate(rule.get("records") or []):
                check.choice(
                    value, set(RecordField.values), (*where, "records", r_index), "record field"
                )
            for m_index, value in enumerate(rule.get("measures") or []):
                check.choice(value, set(Measure.values), (*where, "measures", m_index), "measure")
        elif kind == RuleKind.INCIDENT_CHAIN:
            _validate_incident_chain(rule, where, check, cite, roles)
        elif kind == RuleKind.ESCALATION:
            check.choice(
                check.require(rule, "subject", where),
                set(EscalationSubject.values),
                (*where, "subject"),
                "escalation subject",
            )
            for day_field in ("remind_after_days", "escalate_after_days"):
                value = rule.get(day_field)
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, int) or value < 0
                ):
                    check.problem((*where, day_field), "expected a number of days (0 or more)")
            if "escalate_after_days" in rule and "escalate_to" not in rule:
                check.problem(where, "escalate_after_days needs escalate_to (a role key)")
        elif kind == RuleKind.ACCOUNTS:
            subject = check.choice(
                check.require(rule, "subject", where),
                set(AccountSubject.values),
                (*where, "subject"),
                "accounts subject",
            )
            if subject == AccountSubject.UNUSED:
                days = check.require(rule, "unused_days", where, int)
                if days is not None and (isinstance(days, bool) or days <= 0):
                    check.problem((*where, "unused_days"), "expected a number of days (1 or more)")
            if subject == AccountSubject.ACCESS_REVIEW:
                check.require(rule, "review_months", where, int)
            for number_field in ("review_months", "revoke_within_days", "within_days"):
                value = rule.get(number_field)
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, int) or value <= 0
                ):
                    check.problem((*where, number_field), "expected a number (1 or more)")
            limit = rule.get("max_privileged")
            if limit is not None and (
                isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
            ):
                check.problem((*where, "max_privileged"), "expected a number (0 or more)")
        elif kind == RuleKind.PERSONAL_DATA_BREACH:
            _validate_personal_data_breach(rule, where, check, roles)
        elif kind == RuleKind.TRAINING:
            validate_training(rule, where, check)
        elif kind == RuleKind.PHYSICAL_SECURITY:
            check.choice(
                check.require(rule, "subject", where),
                set(PhysicalSubject.values),
                (*where, "subject"),
                "physical-security subject",
            )
            positive_days(rule, "every_days", where, check)
        elif kind == RuleKind.NETWORK:
            for zone_field in ("from", "to", "zone"):
                value = rule.get(zone_field)
                if value is not None:
                    check.choice(value, NETWORK_ZONES, (*where, zone_field), "network zone")
        if kind in (RuleKind.OUTSOURCING, RuleKind.EXTERNAL_SERVICE, RuleKind.SOCIAL_MEDIA):
            validate_outside_work(rule, where, check)


def _validate_incident_chain(rule: dict, where: tuple, check: _Validator, cite, roles) -> None:
    minor_skipped = False
    for s_index, step in enumerate(check.require(rule, "steps", where, list) or []):
        step_where = (*where, "steps", s_index)
        if not isinstance(step, dict):
            check.problem(
                step_where, "expected a mapping such as {roles: [...], within_minutes: 60}"
            )
            continue
        for r_index, value in enumerate(step.get("roles") or []):
            if value not in roles:
                check.problem((*step_where, "roles", r_index), f"unknown role {value!r}")
        if not step.get("roles"):
            check.problem(step_where, "a step names the roles to notify")
        if step.get("cite"):
            cite((*step_where, "cite"), step["cite"])
        minutes = step.get("within_minutes")
        if minutes is not None and (
            not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0
        ):
            check.problem((*step_where, "within_minutes"), "expected a positive number of minutes")
        if "when" in step:
            check.choice(
                step["when"], set(IncidentCondition.values), (*step_where, "when"), "condition"
            )
        skip = check.optional(step, "skip_when_minor", step_where, bool, False)
        minor_skipped = minor_skipped or bool(skip)
    for i_index, item in enumerate(check.optional(rule, "report_items", where, list, []) or []):
        check.choice(item, set(ReportItem.values), (*where, "report_items", i_index), "report item")
    if rule.get("report_items") and "report_cite" not in rule:
        check.problem((*where, "report_cite"), "cite the clause that names the report's items")
    minor = check.optional(rule, "minor_needs_no_escalation", where, bool, False)
    if minor_skipped and not minor:
        check.problem(
            (*where, "minor_needs_no_escalation"),
            "steps are skipped for minor incidents: set minor_needs_no_escalation: true "
            "and cite the clause in minor_cite",
        )
    if minor and not minor_skipped:
        check.problem(
            (*where, "minor_needs_no_escalation"),
            "name the steps a minor incident skips with skip_when_minor: true",
        )
    if minor and "minor_cite" not in rule:
        check.problem((*where, "minor_cite"), "is required with minor_needs_no_escalation")


def _validate_personal_data_breach(rule: dict, where: tuple, check: _Validator, roles) -> None:
    """The legal basis, the conditions, the two reporting periods and the reminders."""
    check.require(rule, "law", where)
    check.require(rule, "authority", where)
    conditions = check.require(rule, "conditions", where, list) or []
    for c_index, value in enumerate(conditions):
        check.choice(
            value, set(BreachCondition.values), (*where, "conditions", c_index), "condition"
        )
    threshold = rule.get("persons_threshold")
    if threshold is not None and (not whole_days(threshold) or threshold == 0):
        check.problem((*where, "persons_threshold"), "expected a number of persons (1 or more)")
    elif threshold is None and BreachCondition.MANY_PERSONS in conditions:
        check.problem((*where, "persons_threshold"), "is required with the many_persons condition")
    check.optional(rule, "encryption_exempts", where, bool)
    for period in ("first_report", "confirmed_report"):
        spec = check.require(rule, period, where, dict)
        if spec is None:
            continue
        keys = ("within_days", "count") + (
            ("unauthorized_purpose_days",) if period == "confirmed_report" else ()
        )
        for name in set(spec) - set(keys):
            check.problem((*where, period, name), f"unknown key; use: {', '.join(keys)}")
        days = spec.get("within_days")
        if not whole_days(days) or days == 0:
            check.problem((*where, period, "within_days"), "expected a number of days (1 or more)")
        check.choice(
            spec.get("count", DayCount.CALENDAR),
            set(DayCount.values),
            (*where, period, "count"),
            "way of counting days",
        )
        longer = spec.get("unauthorized_purpose_days")
        if longer is not None and (not whole_days(longer) or longer == 0):
            check.problem(
                (*where, period, "unauthorized_purpose_days"), "expected a number of days"
            )
    for d_index, value in enumerate(check.optional(rule, "closed_days", where, list, []) or []):
        try:
            dt.date.fromisoformat(f"2024-{value}")
        except (TypeError, ValueError):
            check.problem((*where, "closed_days", d_index), "expected a day as MM-DD, e.g. 12-29")
    for r_index, value in enumerate(check.optional(rule, "remind", where, list, []) or []):
        if value not in roles:
            check.problem((*where, "remind", r_index), f"unknown role {value!r}")
    for day_field in ("remind_days_before", "escalate_days_before"):
        if day_field in rule and not whole_days(rule[day_field]):
            check.problem((*where, day_field), "expected a number of days (0 or more)")
    for s_index, value in enumerate(check.optional(rule, "sources", where, list, []) or []):
        if not isinstance(value, str) or not value.strip():
            check.problem((*where, "sources", s_index), "expected the title or address of a source")


def _validate_incident_types(data: dict, check: _Validator, cite) -> None:
    seen = set()
    for index, item in enumerate(check.optional(data, "incident_types", (), list, []) or []):
        where = ("incident_types", index)
        if not isinstance(item, dict):
            check.problem(where, "expected a mapping such as {code: loss, label: ..., cite: ...}")
            continue
        code = check.require(item, "code", where)
        if code is not None:
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code):
                check.problem((*where, "code"), "use lower-case letters, digits and _ (e.g. loss)")
            elif code in seen:
                check.problem((*where, "code"), f"incident type {code!r} is listed twice")
            seen.add(code)
        check.require(item, "label", where)
        cite((*where, "cite"), item.get("cite"))


def _validate_condition(
    condition, where: tuple, check: _Validator, axes: dict[str, list[str]]
) -> None:
    if not isinstance(condition, dict):
        check.problem(where, "expected a mapping such as {axis: importance, at_least: II}")
        return
    axis = condition.get("axis")
    if axis is None:
        return
    if axis not in axes:
        check.problem((*where, "axis"), f"unknown classification axis {axis!r}")
        return
    for bound in ("at_least", "at_most", "is"):
        value = condition.get(bound)
        if value is None:
            continue
        labels = value if isinstance(value, list) else [value]
        for label in labels:
            if width(str(label)) not in axes[axis]:
                check.problem(
                    (*where, bound), f"level {label} is not in the scheme ({', '.join(axes[axis])})"
                )


def _digest(raw: bytes, documents: list[PackDocument]) -> str:
    digest = hashlib.sha256(raw)
    for document in documents:
        digest.update(document.key.encode())
        digest.update(hashlib.sha256(document.data).digest())
    return digest.hexdigest()


def pack_json(pack: Pack) -> dict:
    """The pack as stored with a version: JSON-safe (dates as ISO text)."""
    return json.loads(
        json.dumps(pack.data, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))
    )
