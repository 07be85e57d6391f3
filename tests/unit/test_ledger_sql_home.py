"""Every query on the package's own tables (`alerts.*` in `alerts_postgres`) lives in
`alertas_rapidas.ledger`: no other module's text names one of those tables (in SQL, in a string
built for SQL, or in a docstring), so a reader of the schema finds every statement in one place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "plugins" / "alertas_rapidas"
LEDGER = PACKAGE / "ledger"
SCHEMA_FILES = sorted((ROOT / "sql" / "alerts" / "migrations").glob("*.sql"))
_CREATED = re.compile(r"create\s+table\s+(?:if\s+not\s+exists\s+)?alerts\.(\w+)", re.IGNORECASE)


def package_tables() -> set[str]:
    """The tables the ledger's schema files create."""
    return {name for path in SCHEMA_FILES for name in _CREATED.findall(path.read_text())}


def table_mentions(text: str, tables: set[str]) -> list[str]:
    """`alerts.<table>` in `text` for each of the package's tables (`writing-alerts.md` is none)."""
    pattern = re.compile(r"(?<![\w.-])alerts\.(" + "|".join(sorted(tables)) + r")\b")
    return [f"alerts.{name}" for name in pattern.findall(text)]


def strings_of(path: Path) -> list[tuple[int, str]]:
    """Every string in a module's text with its line: literals, f-string parts and docstrings
    (comments are not code)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_schema_files_name_the_tables():
    tables = package_tables()
    assert {"deliveries", "runs", "unsubscribes", "task_failures", "notices", "mutes"} <= tables
    assert table_mentions("select 1 from alerts.runs r join alerts.deliveries d", tables) == [
        "alerts.runs",
        "alerts.deliveries",
    ]
    assert table_mentions("docs/writing-alerts.md, alerts.summary_of", tables) == []


def test_only_the_ledger_names_the_package_tables():
    tables = package_tables()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if LEDGER in path.parents:
            continue
        for line, text in strings_of(path):
            found += [f"{path.relative_to(ROOT)}:{line}: {name}" for name in table_mentions(text, tables)]
    assert not found, "SQL on the package's tables outside alertas_rapidas.ledger:\n" + "\n".join(found)


def test_the_ledger_is_where_the_queries_are():
    """The check above reads the right files: the ledger's own modules do name the tables."""
    tables = package_tables()
    named = {
        name
        for path in LEDGER.rglob("*.py")
        for _, text in strings_of(path)
        for name in table_mentions(text, tables)
    }
    assert {"alerts.deliveries", "alerts.runs", "alerts.unsubscribes", "alerts.task_failures"} <= named
