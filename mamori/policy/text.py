"""A policy text as read: decoded from bytes (UTF-8 or Shift_JIS), width-normalized, with
the spaces PDF conversion leaves between Japanese characters removed. No Django."""

from __future__ import annotations

import re
import unicodedata

# Text normalization -----------------------------------------------------------

_CJK = (
    r"\u3000-\u303f\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uf900-\ufaff\uff01-\uff60\u2460-\u24ff\u2160-\u217f"
)
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\u3000]+")
_ENCLOSED = re.compile(r"[\u2460-\u24ff\u3251-\u325f\u32b1-\u32bf]")


def width(text: str) -> str:
    """NFKC, except that circled numbers (①) keep their shape."""
    out, start = [], 0
    for match in _ENCLOSED.finditer(text):
        out.append(unicodedata.normalize("NFKC", text[start : match.start()]))
        out.append(match.group())
        start = match.end()
    out.append(unicodedata.normalize("NFKC", text[start:]))
    return "".join(out)


def tidy(text: str) -> str:
    """Collapse whitespace and drop the spaces PDF conversion puts between Japanese characters."""
    return _CJK_SPACE.sub("", _SPACES.sub(" ", text)).strip()


def compact(text: str) -> str:
    """A name as compared: width-normalized, without any spaces."""
    return re.sub(r"\s+", "", width(text))


# Decoding ---------------------------------------------------------------------


class PolicyTextError(ValueError):
    """The input cannot be read as a policy text."""


def decode(data: bytes, *, name: str = "input") -> str:
    """UTF-8 (with or without BOM) or Shift_JIS/CP932, detected; anything else is refused."""
    if not data.strip():
        raise PolicyTextError(f"{name}: the file is empty")
    if b"\x00" in data[:4096]:
        raise PolicyTextError(f"{name}: this is not a text file (it contains NUL bytes)")
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(
            1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f"
        )
        if controls > max(3, len(text) // 200):
            raise PolicyTextError(f"{name}: this is not a text file (control characters)")
        return text
    raise PolicyTextError(
        f"{name}: unknown text encoding; save the file as UTF-8 or Shift_JIS (CP932)"
    )


def _is_cjk(ch: str) -> bool:
    return bool(re.match(rf"[{_CJK}]", ch))
