"""Text from outside (X replies and names, staff input) made safe for one-line places.

Control characters (C0, C1, DEL) and the Unicode line and paragraph separators break a header,
a log line or a subject into several; everything else (RTL marks, emoji, any script) is kept.
"""

from __future__ import annotations

import re
import unicodedata

_BREAKING = {"Cc", "Zl", "Zp"}
_SPACES = re.compile(r"\s+")


def is_breaking(char: str) -> bool:
    return unicodedata.category(char) in _BREAKING


def has_control_characters(value: str) -> bool:
    return any(is_breaking(char) for char in value)


def one_line(value: str, max_length: int | None = None) -> str:
    """`value` on one line: each run of control characters and whitespace becomes one space."""
    flat = _SPACES.sub(" ", "".join(" " if is_breaking(char) else char for char in value)).strip()
    if max_length is not None and len(flat) > max_length:
        flat = flat[: max_length - 1].rstrip() + "…"
    return flat


def storable(value: str) -> str:
    """`value` without NUL characters, which a PostgreSQL text column refuses (X text may carry them)."""
    return value.replace("\x00", "")
