"""Sign-in with the municipality's directory (Active Directory or any LDAP server).

Off unless `MAMORI_LDAP_URL` is set (docs/security.md, "Directory sign-in"). When on:

- The user's password is checked by binding to the directory as the user, over LDAPS or
  StartTLS; plain LDAP only when `MAMORI_LDAP_ALLOW_PLAIN` says so. mamori never stores a
  directory password: accounts made from the directory have no usable password here.
- The entry is found with a search account (`MAMORI_LDAP_BIND_DN`), under
  `MAMORI_LDAP_BASE_DN`, with `MAMORI_LDAP_USER_FILTER` (sAMAccountName or
  userPrincipalName by default); its 職員番号 attribute links it to the person in mamori.
- Directory groups give the application role (`MAMORI_LDAP_ROLE_GROUPS`,
  "admin=<group DN>;auditor=<group DN>"), read again at every sign-in.
- Local accounts (those with a password kept in mamori) never ask the directory: they are
  the break-glass accounts that still work when the directory is down.

When the directory cannot be reached or refuses the search account, the sign-in page says
so (`problem_of(request)`), and the failure is in the trail with its reason.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.checks import Error, register
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from mamori.accounts import actions
from mamori.accounts.models import AppRole, User
from mamori.org.models import Person

log = logging.getLogger("mamori.directory")

UNREACHABLE = "unreachable"
MISCONFIGURED = "misconfigured"
UNLINKED = "unlinked"


@dataclass
class DirectoryEntry:
    dn: str
    username: str
    employee_no: str
    name: str
    email: str
    groups: set[str] = field(default_factory=set)


class DirectoryError(Exception):
    """The directory could not answer: `kind` is UNREACHABLE or MISCONFIGURED."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


def config() -> dict:
    return settings.MAMORI_LDAP


def enabled() -> bool:
    return bool(config()["URL"])


def role_groups() -> dict[str, str]:
    """{role: group DN} from "admin=CN=…;auditor=CN=…" (a DN has commas and equals signs)."""
    out = {}
    for item in config()["ROLE_GROUPS"].split(";"):
        role, sep, dn = item.strip().partition("=")
        if sep and dn.strip():
            out[role.strip()] = dn.strip()
    return out


def _server() -> Server:
    conf = config()
    url = conf["URL"]
    tls = None
    if url.startswith("ldaps://") or conf["START_TLS"]:
        tls = Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_file=conf["CA_FILE"] or None,
            version=ssl.PROTOCOL_TLS_CLIENT,
        )
    return Server(
        url,
        use_ssl=url.startswith("ldaps://"),
        tls=tls,
        get_info=NONE,
        connect_timeout=conf["TIMEOUT"],
    )


def _connect(user: str, password: str) -> Connection:
    """An open, secured connection bound as `user`; raises DirectoryError if the server
    cannot be reached or secured, returns an unbound connection if the password is wrong."""
    conf = config()
    conn = Connection(
        _server(),
        user=user,
        password=password,
        receive_timeout=conf["TIMEOUT"],
        raise_exceptions=False,
        read_only=True,
    )
    try:
        conn.open()
        if conf["START_TLS"] and not conf["URL"].startswith("ldaps://"):
            if not conn.start_tls():
                raise DirectoryError(UNREACHABLE, f"StartTLS refused: {conn.result}")
        conn.bind()
    except LDAPException as exc:
        raise DirectoryError(UNREACHABLE, f"{type(exc).__name__}: {exc}") from None
    return conn


def find(username: str) -> DirectoryEntry | None:
    """The directory entry of the name typed on the sign-in page, through the search account."""
    conf = config()
    conn = _connect(conf["BIND_DN"], conf["BIND_PASSWORD"])
    try:
        if not conn.bound:
            raise DirectoryError(MISCONFIGURED, f"the search account was refused: {conn.result}")
        attrs = [conf["USERNAME_ATTR"], conf["EMPLOYEE_NO_ATTR"], conf["NAME_ATTR"], "mail"]
        query = conf["USER_FILTER"].replace("{username}", escape_filter_chars(username))
        try:
            conn.search(conf["BASE_DN"], query, SUBTREE, attributes=attrs, size_limit=2)
        except LDAPException as exc:
            raise DirectoryError(MISCONFIGURED, f"search failed: {exc}") from None
        found = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
        if len(found) != 1:
            return None  # nobody, or a name that is not unique: never guess
        entry = found[0]
        values = entry["attributes"]

        def first(name: str) -> str:
            value = values.get(name)
            if isinstance(value, list):
                value = value[0] if value else ""
            return str(value or "").strip()

        result = DirectoryEntry(
            dn=entry["dn"],
            username=first(conf["USERNAME_ATTR"]) or username,
            employee_no=first(conf["EMPLOYEE_NO_ATTR"]),
            name=first(conf["NAME_ATTR"]),
            email=first("mail"),
        )
        member = escape_filter_chars(result.dn)
        for role, group in role_groups().items():
            try:
                conn.search(
                    group, f"(|(member={member})(uniqueMember={member}))", BASE, attributes=[]
                )
            except LDAPException:
                continue
            if any(e.get("type") == "searchResEntry" for e in conn.response or []):
                result.groups.add(role)
        return result
    finally:
        conn.unbind()


def password_is_right(entry: DirectoryEntry, password: str) -> bool:
    if not password:
        return False  # an empty password would be an anonymous bind, which proves nothing
    conn = _connect(entry.dn, password)
    try:
        return conn.bound
    finally:
        conn.unbind()


def role_of(entry: DirectoryEntry) -> str:
    if not role_groups():
        return ""  # roles are kept in mamori
    if AppRole.ADMIN in entry.groups:
        return AppRole.ADMIN
    if AppRole.AUDITOR in entry.groups:
        return AppRole.AUDITOR
    return AppRole.STAFF


def problem_of(request) -> str:
    """What to tell on the sign-in page when the directory, not the password, was at fault."""
    kind = getattr(request, "mamori_directory_problem", "")
    return {
        UNREACHABLE: _(
            "The directory server cannot be reached, so sign-in with directory accounts is not "
            "possible now. Local administrator accounts still work."
        ),
        MISCONFIGURED: _(
            "mamori's directory settings are wrong, so sign-in with directory accounts is not "
            "possible now. Tell the system administrator."
        ),
        UNLINKED: _(
            "Your directory account is not linked to a member of staff in mamori (no matching "
            "employee number). Ask the system administrator."
        ),
    }.get(kind, "")


class DirectoryBackend(ModelBackend):
    """Authenticates against the directory; creates or updates the mamori account."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not enabled() or not username or not password:
            return None
        local = User.objects.filter(username=username).first()
        if local is not None and local.has_usable_password():
            return None  # a local (break-glass) account: the directory is not asked
        try:
            entry = find(username)
            if entry is None or not password_is_right(entry, password):
                return None
        except DirectoryError as exc:
            log.error("directory sign-in for %r failed: %s", username, exc)
            if request is not None:
                request.mamori_directory_problem = exc.kind
            return None
        try:
            user = _account_for(entry)
        except ValidationError as exc:
            log.warning("directory account %r not taken: %s", entry.username, exc.messages)
            if request is not None:
                request.mamori_directory_problem = UNLINKED
            return None
        return user if self.user_can_authenticate(user) else None


def _account_for(entry: DirectoryEntry) -> User:
    """The mamori account of a directory entry, made or brought up to date through the
    account actions (and so in the trail), by mamori itself."""
    role = role_of(entry)
    user = User.objects.filter(username=entry.username).first()
    person = (
        Person.objects.filter(employee_no=entry.employee_no).first() if entry.employee_no else None
    )
    if user is None:
        if person is None and role not in (AppRole.ADMIN, AppRole.AUDITOR):
            raise ValidationError(_("No member of staff has this employee number."))
        user = actions.create_user(
            username=entry.username,
            password=None,
            actor=None,
            person=person,
            role=role or AppRole.STAFF,
            email=entry.email,
        )
        if person is None and entry.name:
            User.objects.filter(pk=user.pk).update(last_name=entry.name)
            user.last_name = entry.name
        return user
    if user.has_usable_password():
        raise ValidationError(_("A local account has this user name."))
    if user.person_id and person is not None and user.person_id != person.pk:
        raise ValidationError(_("The employee number does not match the account's person."))
    changes = {}
    if role and role != user.role:
        changes["role"] = role
    if entry.email and entry.email != user.email:
        changes["email"] = entry.email
    if changes:
        user = actions.change_user(user, actor=None, **changes)
    return user


@register()
def check_directory_settings(app_configs=None, **kwargs):
    """Refuse to start with a directory configured to send passwords in clear."""
    if not enabled():
        return []
    conf = config()
    errors = []
    if conf["URL"].startswith("ldap://") and not conf["START_TLS"] and not conf["ALLOW_PLAIN"]:
        errors.append(
            Error(
                "MAMORI_LDAP_URL is plain ldap:// without MAMORI_LDAP_START_TLS=1: passwords "
                "would cross the network in clear.",
                hint="Use ldaps://, set MAMORI_LDAP_START_TLS=1, or (on a closed test network "
                "only) MAMORI_LDAP_ALLOW_PLAIN=1.",
                id="mamori.E101",
            )
        )
    if not conf["URL"].startswith(("ldap://", "ldaps://")):
        errors.append(
            Error("MAMORI_LDAP_URL must start with ldaps:// or ldap://.", id="mamori.E102")
        )
    if not conf["BASE_DN"]:
        errors.append(
            Error("MAMORI_LDAP_BASE_DN is required with MAMORI_LDAP_URL.", id="mamori.E103")
        )
    return errors
