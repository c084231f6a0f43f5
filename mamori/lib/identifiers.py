"""Identifiers people type: ledger numbers (台帳番号), 職員番号, unit and system codes.

Stored and looked up in one form on every input path (forms, imports, API, actions):
NFKC-normalised — full-width letters, digits and 「－」 become ASCII, an ideographic space a
plain one — and trimmed, so 「　Ｆ２－ＡＢＣ」 and "F2-ABC" are the same number.
"""

import unicodedata


def normalize_code(value) -> str:
    """The identifier as stored: NFKC, surrounding whitespace removed ('' for None)."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def duplicate_groups(pairs) -> dict[str, list]:
    """{normalised identifier: [keys…]} for the identifiers in `pairs` ((key, identifier)
    pairs) that stand for the same one once normalised — stored before normalisation."""
    groups: dict[str, list] = {}
    for key, identifier in pairs:
        groups.setdefault(normalize_code(identifier), []).append(key)
    return {code: keys for code, keys in groups.items() if len(keys) > 1}
