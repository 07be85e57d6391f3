"""The package's SQL files, under `sql/` of the project: read by relative path.

A module of its own so that the ledger and the freshness check read their SQL without importing
the extract machinery (pyarrow, pandas).
"""

from __future__ import annotations

import errno

from alertas_rapidas.paths import SQL_DIR


class SqlFileMissing(FileNotFoundError):
    """A SQL file the configuration names is not there: a configuration error, not transient."""

    def __init__(self, path: object) -> None:
        super().__init__(errno.ENOENT, "SQL file does not exist", str(path))

    def __str__(self) -> str:
        return f"SQL file {self.filename} does not exist"


def read_sql(relative_path: str) -> str:
    """The text of `sql/<relative_path>`; `SqlFileMissing` when there is no such file."""
    path = SQL_DIR / relative_path
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SqlFileMissing(path) from None
