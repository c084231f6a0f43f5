"""A real OpenLDAP server (Debian's slapd) for the directory sign-in tests.

Started on a loopback port with a throwaway database and a self-signed certificate
(StartTLS), filled with a small directory of みどり市: people with 職員番号, and the groups
that map to mamori's administrator and auditor roles. Tests skip, saying why, when slapd or
openssl is not installed (a developer's laptop); CI installs both (.ci/run).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from ldap3 import Connection, Server

SLAPD = shutil.which("slapd") or ("/usr/sbin/slapd" if Path("/usr/sbin/slapd").exists() else None)
OPENSSL = shutil.which("openssl")
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")
MISSING = (
    None
    if SLAPD and OPENSSL and (SCHEMA / "inetorgperson.schema").exists()
    else "slapd and openssl are needed for the directory tests: apt-get install slapd openssl"
)
if MISSING and os.environ.get("MAMORI_REQUIRE_SLAPD"):
    # CI sets this: there the directory tests must run, never be skipped.
    raise RuntimeError(MISSING)

SUFFIX = "dc=midori,dc=lg,dc=jp"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "slapd-admin-secret"
SEARCH_DN = f"cn=mamori-search,ou=services,{SUFFIX}"
SEARCH_PASSWORD = "search-account-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
ADMINS_GROUP = f"cn=mamori-admins,{GROUPS}"
AUDITORS_GROUP = f"cn=mamori-auditors,{GROUPS}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Slapd:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="mamori-slapd-"))
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.ca_file = str(self.folder / "cert.pem")
        self.process = None

    def start(self) -> Slapd:
        db = self.folder / "db"
        db.mkdir()
        subprocess.run(
            [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(self.folder / "key.pem"), "-out", self.ca_file],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        schemas = "\n".join(
            f"include {SCHEMA / name}.schema" for name in ("core", "cosine", "inetorgperson")
        )
        (self.folder / "slapd.conf").write_text(
            f"""{schemas}
pidfile {self.folder}/slapd.pid
modulepath {MODULES}
moduleload back_mdb
TLSCertificateFile {self.ca_file}
TLSCertificateKeyFile {self.folder}/key.pem
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {db}
access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by * none
"""
        )
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(self.folder / "slapd.conf"), "-h", self.url, "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd stopped: {self.process.stderr.read().decode()[-500:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("slapd did not start listening within 20 seconds")
        self._fill()
        return self

    def admin(self) -> Connection:
        return Connection(Server(self.url), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True)

    def _fill(self) -> None:
        conn = self.admin()
        conn.add(SUFFIX, ["dcObject", "organization"], {"dc": "midori", "o": "みどり市"})
        for ou in ("people", "groups", "services"):
            conn.add(f"ou={ou},{SUFFIX}", "organizationalUnit", {"ou": ou})
        conn.add(
            SEARCH_DN,
            ["inetOrgPerson"],
            {"cn": "mamori-search", "sn": "search", "userPassword": SEARCH_PASSWORD},
        )
        conn.unbind()

    def add_person(self, uid: str, password: str, *, employee_no: str = "", name: str = "",
                   mail: str = "", groups: tuple[str, ...] = ()) -> str:  # fmt: skip
        dn = f"uid={uid},{PEOPLE}"
        attrs = {"uid": uid, "cn": name or uid, "sn": name or uid, "userPassword": password}
        if employee_no:
            attrs["employeeNumber"] = employee_no
        if name:
            attrs["displayName"] = name
        if mail:
            attrs["mail"] = mail
        conn = self.admin()
        conn.add(dn, ["inetOrgPerson"], attrs)
        for group in groups:
            if not conn.compare(group, "objectClass", "groupOfNames"):
                conn.add(group, ["groupOfNames"], {"cn": group.split(",")[0][3:], "member": dn})
            else:
                conn.modify(group, {"member": [("MODIFY_ADD", [dn])]})
        conn.unbind()
        return dn

    def settings(self, **overrides) -> dict:
        """MAMORI_LDAP for this server: StartTLS against its certificate, uid as user name."""
        values = {
            "URL": self.url,
            "START_TLS": True,
            "ALLOW_PLAIN": False,
            "CA_FILE": self.ca_file,
            "BIND_DN": SEARCH_DN,
            "BIND_PASSWORD": SEARCH_PASSWORD,
            "BASE_DN": PEOPLE,
            "USER_FILTER": "(uid={username})",
            "USERNAME_ATTR": "uid",
            "EMPLOYEE_NO_ATTR": "employeeNumber",
            "NAME_ATTR": "displayName",
            "ROLE_GROUPS": f"admin={ADMINS_GROUP};auditor={AUDITORS_GROUP}",
            "TIMEOUT": 5,
        }
        values.update(overrides)
        return values

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
