"""The docs' family table (`docs/families.md`), generated from the family files, so a family's
rule is written once (its YAML `description`) and the table cannot drift from the configs.

`python -m alertas_rapidas.authoring families [--write]` prints the table, or replaces the page's
block between `<!-- families:start -->` and `<!-- families:end -->`; `validate` warns when the
page's table is out of date.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from alertas_rapidas.families.registry import family_files, family_keys, load_config
from alertas_rapidas.paths import PROJECT_ROOT
from alertas_rapidas.schedule.timetables import schedule_description

# `family_files` is the registry's, named here for the table's readers and tests.
__all__ = ["family_files", "markdown", "page_block", "rows", "write"]

PAGE = PROJECT_ROOT / "docs" / "families.md"
START = "<!-- families:start -->"
END = "<!-- families:end -->"
_BLOCK = re.compile(re.escape(START) + r"\n.*?" + re.escape(END), re.DOTALL)
_LONG = 60  # a setting value longer than this is shown by its keys only


class FamiliesTableError(RuntimeError):
    """The page has no families block."""


def rows(families_dir: Path | None = None) -> list[dict[str, str]]:
    """One row per family file: key, kind, what it does, audience, schedule, settings."""
    table = []
    for key in family_keys(families_dir):
        config, settings = load_config(key, families_dir)
        table.append(
            {
                "key": f"`{config.key}`",
                "kind": _kind(config),
                "what": " ".join(config.description.split()),
                "audience": config.audience,
                "schedule": schedule_description(config),
                "settings": _settings(settings.model_dump(mode="json")),
            }
        )
    return table


def _kind(config: Any) -> str:
    if config.alert is None:
        return "Python"
    if config.alert.transform:
        return "configured + Python transform"
    return "configured" if not config.family else f"instance of `{config.family}`"


def _settings(values: dict[str, Any]) -> str:
    if not values:
        return "—"
    shown = []
    for name, value in values.items():
        text = json.dumps(value, ensure_ascii=False)
        if len(text) > _LONG:
            text = "{" + ", ".join(value) + "}" if isinstance(value, dict) else f"{len(value)} items"
        shown.append(f"`{name}: {text}`")
    return "; ".join(shown)


def markdown(families_dir: Path | None = None) -> str:
    lines = [
        "| key | kind | what it does | audience | schedule (dealership time) | settings (defaults) |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows(families_dir):
        cells = [row[name].replace("|", "\\|") for name in ("key", "kind", "what", "audience", "schedule")]
        lines.append("| " + " | ".join([*cells, row["settings"].replace("|", "\\|")]) + " |")
    return "\n".join(lines) + "\n"


def page_block(text: str) -> str:
    match = _BLOCK.search(text)
    if match is None:
        raise FamiliesTableError(f"the page has no block between {START} and {END}")
    return match.group(0)[len(START) + 1 : -len(END)]


def write(page: Path = PAGE) -> bool:
    """Replace the page's block with the generated table; whether anything changed."""
    text = page.read_text(encoding="utf-8")
    page_block(text)
    updated = _BLOCK.sub(lambda _match: f"{START}\n{markdown()}{END}", text, count=1)
    if updated == text:
        return False
    page.write_text(updated, encoding="utf-8")
    return True
