"""Importing one system's account list, as the system exports it (CSV or .xlsx).

1. `read_list(data, file_name, mapping)`: the rows by field, through the system's column
   mapping (field -> the file's column header). A column the mapping does not name, or a
   mapped column missing from the file, is an error of the whole file.
2. `plan(system, rows)`: each row checked and matched: the holder by 職員番号, then mail,
   then exact name — a value matching nobody or two people is an error at its row and column,
   never guessed; duplicated account names, unknown kinds or sign-in methods, dates in the
   future likewise. Each row is new, changed or unchanged against the stored list.
3. `store(account_import, actor)`: all rows at once, in one transaction, with one trail event
   per account; nothing when any row has an error.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mamori.access import action, authorize
from mamori.ledger.excel import ACCESS_JA
from mamori.ledger.excel_reader import CellError, LedgerFileError, read_table
from mamori.lib import clock
from mamori.lib.wareki import WarekiError, parse_date
from mamori.org.models import Person
from mamori.sysaccounts.events import SysAccountEvent
from mamori.sysaccounts.models import AccountImport, AccountKind, SystemAccount
from mamori.trail.chain import record_batch

MAX_ROWS = 100_000
# The fields of a row, with the column header offered when a system has no saved mapping.
FIELDS = {
    "name": gettext_lazy("Account name"),
    "holder_no": gettext_lazy("Employee number"),
    "holder_name": gettext_lazy("Holder name"),
    "holder_mail": gettext_lazy("Mail address"),
    "kind": gettext_lazy("Kind"),
    "roles": gettext_lazy("Rights and roles"),
    "privileged": gettext_lazy("Privileged"),
    "authentication": gettext_lazy("Authentication"),
    "created_on": gettext_lazy("Created on"),
    "last_used_on": gettext_lazy("Last used on"),
}
DEFAULT_MAPPING = {
    "name": "アカウント名",
    "holder_no": "職員番号",
    "holder_name": "氏名",
    "holder_mail": "メールアドレス",
    "kind": "種別",
    "roles": "権限",
    "privileged": "特権",
    "authentication": "認証方式",
    "created_on": "作成日",
    "last_used_on": "最終利用日",
}
KIND_WORDS = {
    "個人": AccountKind.PERSONAL,
    "共有": AccountKind.SHARED,
    "サービス": AccountKind.SERVICE,
}
AUTH_WORDS = {unicodedata.normalize("NFKC", v): k for k, v in ACCESS_JA.items()}
TRUE_WORDS = {"○", "◯", "はい", "有", "あり", "yes", "true", "1", "y"}
FALSE_WORDS = {"", "×", "いいえ", "無", "なし", "no", "false", "0", "n", "-"}
COMPARED = ["holder", "owner", "kind", "roles", "privileged", "authentication", "last_used_on"]


def saved_mapping(system) -> dict:
    """The mapping of the system's last stored import, or the default one."""
    last = (
        AccountImport.objects.filter(system=system, stored_at__isnull=False)
        .order_by("-stored_at")
        .first()
    )
    return dict(last.mapping) if last else dict(DEFAULT_MAPPING)


def _norm(text) -> str:
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    if isinstance(text, dt.datetime):
        text = text.date()
    return unicodedata.normalize("NFKC", str(text)).strip()


def read_list(data: bytes, file_name: str, mapping: dict) -> tuple[list[dict], list[str]]:
    """The rows as {field: raw value, "_row": number}, and the errors of the whole file."""
    try:
        sheet, table, formula_errors = read_table(data, file_name)
    except LedgerFileError as exc:
        return [], [str(exc)]
    if formula_errors:
        return [], [str(e) for e in formula_errors]
    if not table:
        return [], [_("The file is empty.")]
    header = [_norm(h) for h in table[0]]
    wanted = {field: _norm(col) for field, col in mapping.items() if _norm(col)}
    errors = []
    if "name" not in wanted:
        errors.append(_("Name the column that holds the account name."))
    unknown = [h for h in header if h and h not in wanted.values()]
    for column in unknown:
        errors.append(
            _("Column “%(column)s” is not mapped to any field; map it or remove it.")
            % {"column": column}
        )
    for field, column in wanted.items():
        if column not in header:
            errors.append(
                _("The column “%(column)s” (%(field)s) is not in the file.")
                % {"column": column, "field": FIELDS[field]}
            )
    if len(table) - 1 > MAX_ROWS:
        errors.append(_("At most %(max)s rows can be imported at once.") % {"max": MAX_ROWS})
    if errors:
        return [], errors
    index = {field: header.index(column) for field, column in wanted.items()}
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(_norm(c) for c in cells):
            continue
        row = {"_row": number, "_sheet": sheet}
        for field, position in index.items():
            row[field] = cells[position] if position < len(cells) else None
        rows.append(row)
    return rows, []


class _People:
    """The people the rows name, loaded in three queries, matched without guessing."""

    def __init__(self, rows: list[dict]):
        numbers = {_norm(r.get("holder_no")) for r in rows} - {""}
        mails = {_norm(r.get("holder_mail")).lower() for r in rows} - {""}
        names = {_norm(r.get("holder_name")) for r in rows} - {""}
        self.by_no = {p.employee_no: p for p in Person.objects.filter(employee_no__in=numbers)}
        self.by_mail: dict[str, list] = {}
        for person in Person.objects.filter(email__in=mails):
            self.by_mail.setdefault(person.email.lower(), []).append(person)
        self.by_name: dict[str, list] = {}
        for person in Person.objects.filter(name__in=names):
            self.by_name.setdefault(person.name, []).append(person)

    def match(self, row: dict) -> tuple[Person | None, str, str, str]:
        """(person, column field, value, error)."""
        number = _norm(row.get("holder_no"))
        if number:
            person = self.by_no.get(number)
            if person is None:
                return None, "holder_no", number, _("No person has this employee number.")
            return person, "", "", ""
        for field, table, key in (
            ("holder_mail", self.by_mail, _norm(row.get("holder_mail")).lower()),
            ("holder_name", self.by_name, _norm(row.get("holder_name"))),
        ):
            if not key:
                continue
            found = table.get(key, [])
            if len(found) > 1:
                return (
                    None,
                    field,
                    key,
                    _("Matches %(count)s people; give the employee number.")
                    % {"count": len(found)},
                )
            if not found:
                return None, field, key, _("Matches nobody; give the employee number.")
            return found[0], "", "", ""
        return None, "", "", ""


def _date(raw) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = _norm(raw)
    if not text:
        return None
    return parse_date(text)


def plan(system, rows: list[dict], mapping: dict) -> tuple[list[dict], list[str]]:
    """The checked rows (JSON-ready) and their errors ("sheet row 「column」 (value): …")."""
    people = _People(rows)
    existing = {a.name: a for a in SystemAccount.objects.filter(system=system)}
    today = clock.today()
    seen: dict[str, int] = {}
    out, errors = [], []

    def error(row, field, value, message):
        column = mapping.get(field, "") if field else ""
        errors.append(str(CellError(row["_sheet"], row["_row"], column, _norm(value), message)))

    for row in rows:
        name = _norm(row.get("name"))
        if not name:
            error(row, "name", "", _("The account name is empty."))
            continue
        if name in seen:
            error(
                row,
                "name",
                name,
                _("The same account name is on row %(row)s.") % {"row": seen[name]},
            )
            continue
        seen[name] = row["_row"]
        person, field, value, message = people.match(row)
        if message:
            error(row, field, value, message)
        data = {"name": name, "row": row["_row"], "roles": _norm(row.get("roles"))[:300]}
        kind_text = _norm(row.get("kind"))
        if kind_text:
            kind = next((v for k, v in KIND_WORDS.items() if kind_text.startswith(k)), None)
            kind = kind or (kind_text if kind_text in AccountKind.values else None)
            if kind is None:
                error(row, "kind", kind_text, _("Write 個人, 共有 or サービス."))
        else:
            kind = AccountKind.PERSONAL if person else AccountKind.SHARED
        if kind == AccountKind.PERSONAL and person is None and not message:
            error(row, "holder_no", "", _("A personal account needs its holder."))
        data["kind"] = kind
        data["holder"] = person.pk if person and kind == AccountKind.PERSONAL else None
        data["owner"] = person.pk if person and kind != AccountKind.PERSONAL else None
        privileged = _norm(row.get("privileged")).lower()
        if privileged in TRUE_WORDS or privileged in FALSE_WORDS:
            data["privileged"] = privileged in TRUE_WORDS
        else:
            error(row, "privileged", privileged, _("Write ○ for yes and leave empty for no."))
        method = _norm(row.get("authentication"))
        data["authentication"] = AUTH_WORDS.get(method, method) if method else "password"
        if data["authentication"] not in ACCESS_JA:
            error(row, "authentication", method, _("Unknown sign-in method."))
        for field in ("created_on", "last_used_on"):
            try:
                day = _date(row.get(field))
            except WarekiError as exc:
                error(row, field, row.get(field), str(exc))
                continue
            if day is not None and day > today:
                error(row, field, day.isoformat(), _("The date is in the future."))
            data[field] = day.isoformat() if day else None
        current = existing.get(name)
        if current is None:
            data["action"] = "new"
        else:
            now = {
                "holder": current.holder_id,
                "owner": current.owner_id,
                "kind": current.kind,
                "roles": current.roles,
                "privileged": current.privileged,
                "authentication": current.authentication,
                "last_used_on": current.last_used_on.isoformat() if current.last_used_on else None,
            }
            changed = [f for f in COMPARED if now[f] != data.get(f)]
            data["action"] = "changed" if changed else "same"
            data["changed"] = changed
        out.append(data)
    return out, errors


@action
def store(account_import: AccountImport, *, actor) -> int:
    """Store every row of a checked import at once (new and changed accounts), with their
    trail events; refused when it has errors or was stored already."""
    system = account_import.system
    authorize(actor, "change", SystemAccount(system=system))
    with transaction.atomic():
        job = AccountImport.objects.select_for_update().get(pk=account_import.pk)
        if job.stored_at is not None:
            raise ValidationError(_("This file was already stored."))
        if job.errors:
            raise ValidationError(_("The file has errors; nothing was stored."))
        # Re-check against the list as it is now: someone may have changed it meanwhile.
        rows, errors = plan(system, _raw_rows(job.rows), _identity())
        if errors:
            raise ValidationError(errors)
        existing = {
            a.name: a for a in SystemAccount.objects.select_for_update().filter(system=system)
        }
        new, changed, events = [], [], []
        for data in rows:
            values = {
                "holder_id": data["holder"],
                "owner_id": data["owner"],
                "kind": data["kind"],
                "roles": data["roles"],
                "privileged": data["privileged"],
                "authentication": data["authentication"],
                "last_used_on": _day(data["last_used_on"]),
            }
            if data["action"] == "new":
                new.append(
                    SystemAccount(
                        system=system,
                        name=data["name"],
                        created_on=_day(data["created_on"]),
                        **values,
                    )
                )
            elif data["action"] == "changed":
                account = existing[data["name"]]
                for key, value in values.items():
                    setattr(account, key, value)
                changed.append(account)
        SystemAccount.objects.bulk_create(new, batch_size=1000)
        SystemAccount.objects.bulk_update(
            changed,
            [
                "holder_id",
                "owner_id",
                "kind",
                "roles",
                "privileged",
                "authentication",
                "last_used_on",
            ],
            batch_size=1000,
        )
        for account, kind in [(a, SysAccountEvent.ACCOUNT_CREATED) for a in new] + [
            (a, SysAccountEvent.ACCOUNT_CHANGED) for a in changed
        ]:
            events.append(
                {
                    "action": kind,
                    "target_type": "sysaccounts.systemaccount",
                    "target_id": str(account.pk or ""),
                    "target_repr": f"{account.name} ({system.name})",
                    "after": {"import": job.file_name, "name": account.name},
                }
            )
        record_batch(events, actor=actor)
        job.stored_at = timezone.now()
        job.save(update_fields=["stored_at"])
    return len(new) + len(changed)


def _day(text):
    return dt.date.fromisoformat(text) if text else None


def _identity() -> dict:
    return {field: field for field in FIELDS}


def _raw_rows(planned: list[dict]) -> list[dict]:
    """The stored plan as rows again (people by their ids, re-matched by employee number)."""
    ids = {d[k] for d in planned for k in ("holder", "owner") if d.get(k)}
    numbers = dict(Person.objects.filter(pk__in=ids).values_list("pk", "employee_no"))
    return [
        {
            "_row": d["row"],
            "_sheet": "",
            "name": d["name"],
            "holder_no": numbers.get(d.get("holder") or d.get("owner"), ""),
            "kind": d["kind"],
            "roles": d["roles"],
            "privileged": "1" if d.get("privileged") else "",
            "authentication": ACCESS_JA.get(d["authentication"], d["authentication"]),
            "created_on": d.get("created_on") or "",
            "last_used_on": d.get("last_used_on") or "",
        }
        for d in planned
    ]
