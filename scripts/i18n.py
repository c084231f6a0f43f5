#!/usr/bin/env python3
"""Maintain the Japanese message catalogue without needing GNU gettext at run time.

    python scripts/i18n.py extract            # mamori makemessages -l ja (needs xgettext)
    python scripts/i18n.py fill FILE.tsv      # msgid<TAB>msgstr lines ("[context]msgid" for pgettext)
    python scripts/i18n.py fill scripts/i18n  # every .tsv in the folder (kept per piece of work)
    python scripts/i18n.py compile            # .po -> .mo with polib
    python scripts/i18n.py check              # every message translated, .mo up to date

The compiled .mo is committed, so installing mamori needs no gettext tools.
"""

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "mamori" / "locale" / "ja" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def extract() -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mamori",
            "makemessages",
            "-l",
            "ja",
            "--no-obsolete",
            "--no-location",
        ],
        cwd=ROOT / "mamori",
        env={**os.environ, "MAMORI_DEBUG": "1", "MAMORI_VAR_DIR": str(ROOT / "var")},
        check=True,
    )
    po = polib.pofile(str(PO))
    po.metadata_is_fuzzy = False
    po.header = "Japanese messages of mamori. Maintained with scripts/i18n.py."
    po.metadata.update(
        {
            "Project-Id-Version": "mamori",
            "Language": "ja",
            "Plural-Forms": "nplurals=1; plural=0;",
            "Content-Type": "text/plain; charset=UTF-8",
        }
    )
    po.save()


def fill(tsv: str) -> None:
    po = polib.pofile(str(PO))
    table = {}
    path = Path(tsv)
    lines = []
    for source in sorted(path.glob("*.tsv")) if path.is_dir() else [path]:
        lines += source.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if "\t" in line:
            msgid, msgstr = line.split("\t", 1)
            table[msgid] = msgstr
    filled = 0
    for entry in po:
        # "[context]msgid" fills the entry with that msgctxt; a bare msgid, those without one.
        key = f"[{entry.msgctxt}]{entry.msgid}" if entry.msgctxt else entry.msgid
        if key in table:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: table[key]}
            else:
                entry.msgstr = table[key]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            filled += 1
    po.save()
    print(f"filled {filled} entries")


def compile_() -> None:
    polib.pofile(str(PO)).save_as_mofile(str(MO))


def untranslated() -> list[str]:
    po = polib.pofile(str(PO))
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        text = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        if not text or "fuzzy" in entry.flags:
            missing.append(entry.msgid)
    return missing


def duplicates() -> list[str]:
    """Messages defined twice (a merge of two branches' catalogues); gettext refuses them."""
    seen, twice = set(), []
    for entry in polib.pofile(str(PO)):
        key = (entry.msgctxt, entry.msgid)
        if not entry.obsolete and key in seen:
            twice.append(entry.msgid)
        seen.add(key)
    return twice


def check() -> int:
    missing = untranslated()
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    twice = duplicates()
    for msgid in twice:
        print(f"defined twice: {msgid!r} (keep one of them)")
    po = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.pofile(str(PO))
        if not e.obsolete
    }
    mo = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO))}
    stale = set(po) ^ set(k for k in mo if k[1])
    for key in sorted(stale, key=str):
        print(f".mo out of date for: {key[1]!r} (run: python scripts/i18n.py compile)")
    return 1 if missing or stale or twice else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "extract":
        extract()
    elif command == "fill":
        fill(sys.argv[2])
    elif command == "compile":
        compile_()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
