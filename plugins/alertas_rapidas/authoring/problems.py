"""How `validate`'s checks report: a `Problem(file, where, message)`, its file shown as the author
reads it, and the closest allowed name as a hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from alertas_rapidas.paths import PROJECT_ROOT


@dataclass(frozen=True)
class Problem:
    """One thing wrong: the file it is in, where in that file (a field, a line, a query) and what
    is wrong, with what is allowed."""

    file: str
    where: str
    message: str

    def line(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


def shown(path: Path) -> str:
    """A path as the author reads it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT.resolve()))
    except ValueError:
        return str(path)


def closest(name: str, allowed: Iterable[str]) -> str:
    """`; did you mean 'x'?` for the allowed name closest to `name`, or nothing."""
    close = difflib.get_close_matches(name, list(allowed), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
