"""Safe file names: the one rule for run folders, attachment names and preview files.

Accents are folded (Unicode NFKD, combining marks dropped: "Ñandú" -> "Nandu"); every run of
characters other than ASCII letters, digits, '_', '-' and a dot between two letters or digits
("A.0001", "factura.pdf") becomes one `separator` (so "/../" is one separator and no name is '.',
'..' or hidden); separators are trimmed from both ends; an empty result is `fallback`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

# Anything but a letter, digit, '_' or '-'; a dot only when a letter or digit is not on both sides.
_UNSAFE = re.compile(r"(?:[^A-Za-z0-9._-]|(?<![A-Za-z0-9])\.|\.(?![A-Za-z0-9]))+")
_TRIMMED = "_-"


def fold_accents(text: str) -> str:
    """`text` without its accents and other combining marks ("Córdoba" -> "Cordoba"); compatibility
    forms decomposed too ("ﬁ" -> "fi")."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


def safe_file_name(value: str, *, separator: Literal["-", "_"] = "-", fallback: str = "_") -> str:
    """`value` as a file-system-safe name: "Estado de cuenta Ñandú" -> "Estado-de-cuenta-Nandu"
    (with separator "_", a run id "scheduled__2026-11-01T11:00:00+00:00" ->
    "scheduled__2026-11-01T11_00_00_00_00")."""
    return _UNSAFE.sub(separator, fold_accents(value)).strip(_TRIMMED) or fallback
