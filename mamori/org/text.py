"""Normalizing Japanese names and readings for storage and search."""

import unicodedata

_KATAKANA_START, _KATAKANA_END = ord("ァ"), ord("ヶ")
_TO_HIRAGANA = ord("ぁ") - ord("ァ")


def to_hiragana(text: str) -> str:
    return "".join(
        chr(ord(ch) + _TO_HIRAGANA) if _KATAKANA_START <= ord(ch) <= _KATAKANA_END else ch
        for ch in text
    )


def normalize_kana(text: str) -> str:
    """ふりがな as stored: NFKC (half-width カナ become full-width), hiragana, single spaces."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    return " ".join(to_hiragana(text).split())


def normalize_name(text: str) -> str:
    """氏名 as stored: NFKC for width, keeping variant kanji such as 髙 and 﨑 intact."""
    # NFKC would fold 﨑 (U+FA11, a CJK compatibility ideograph) into 崎, which
    # is a different person's name, so those characters are left out of it.
    out, run = [], []
    for ch in (text or "").strip():
        if "CJK COMPATIBILITY IDEOGRAPH" in unicodedata.name(ch, ""):
            out.append(unicodedata.normalize("NFKC", "".join(run)))
            out.append(ch)
            run = []
        else:
            run.append(ch)
    out.append(unicodedata.normalize("NFKC", "".join(run)))
    return " ".join("".join(out).split())


def search_key(text: str) -> str:
    """What a search for a name or reading is compared with: no spaces, hiragana."""
    return "".join(to_hiragana(normalize_name(text)).split())
