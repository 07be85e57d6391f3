"""`validate`'s checks of what a family's templates read: every `t.<label>` is in the folder's
`labels.yaml` in the template's language(s), and (with `--dms`) every `row.<column>` is a column
the rows query returns or the config declares. The names come from Jinja's syntax tree
(`template_names`); an unknown one is reported with its file, line and the closest known name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alertas_rapidas.authoring.loaded_family import TEMPLATE_SUFFIXES, template_roots
from alertas_rapidas.authoring.problems import Problem, closest, shown
from alertas_rapidas.authoring.template_names import LABELS, ROW_LISTS, ROW_NAMES, attribute_uses
from alertas_rapidas.paths import TEMPLATES_DIR
from alertas_rapidas.templating import LANGUAGES

if TYPE_CHECKING:
    from jinja2 import nodes

    from alertas_rapidas.authoring.loaded_family import LoadedFamily

# A row or `t` is a dict: its own methods are not names to look up.
DICT_METHODS = frozenset(name for name in dir(dict) if not name.startswith("_"))
# Keys the engine adds to every row beside its columns and details (`send_number` under `row_key`).
ENGINE_ROW_KEYS = frozenset({"reached", "missed", "send_number"})


def family_folders(loaded: LoadedFamily, templates_dir: Path = TEMPLATES_DIR) -> list[Path]:
    """The family's template folders, the renderer's search order (a project's first)."""
    name = loaded.family.templates
    return [root / name for root in template_roots(loaded.family, templates_dir) if (root / name).is_dir()]


def template_trees(folders: list[Path]) -> Iterator[tuple[Path, str | None, nodes.Template]]:
    """(file, its language or None when language-neutral, syntax tree) of every template in the
    folders that parses (one that does not is reported by the syntax check)."""
    from jinja2 import Environment, TemplateSyntaxError

    env = Environment()  # the syntax is all that matters here; filters are not resolved by parse
    seen: set[str] = set()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if not path.is_file() or path.suffix not in TEMPLATE_SUFFIXES or relative in seen:
                continue
            seen.add(relative)  # a project's file hides the package's of the same name
            try:
                tree = env.parse(path.read_text(encoding="utf-8"))
            except (TemplateSyntaxError, UnicodeDecodeError):
                continue
            parts = path.name.split(".")
            language = parts[-2] if len(parts) >= 3 and parts[-2] in LANGUAGES else None
            yield path, language, tree


def check_labels(loaded: LoadedFamily, templates_dir: Path = TEMPLATES_DIR) -> list[Problem]:
    """Every `t.<label>` a template reads is in `labels.yaml`, in each language it renders in."""
    from alertas_rapidas.templating import LABELS_FILE

    folders = family_folders(loaded, templates_dir)
    labels_path = next((f / LABELS_FILE for f in folders if (f / LABELS_FILE).is_file()), None)
    labels = _labels(labels_path)
    if labels is None:
        return []  # unreadable: reported by the labels check
    problems = []
    for path, language, tree in template_trees(folders):
        if labels_path is None and language is None:
            continue  # a neutral template without labels.yaml: reported as the file missing
        for use in attribute_uses(tree, frozenset({LABELS})):
            if use.name in DICT_METHODS:
                continue
            languages = [language] if language else LANGUAGES
            missing = [lang for lang in languages if use.name not in labels[lang]]
            if not missing:
                continue
            known = sorted(set(labels["es"]) | set(labels["en"]))
            where = shown(labels_path) if labels_path else f"a {LABELS_FILE} beside it (there is none)"
            problems.append(
                Problem(
                    shown(path),
                    f"line {use.line}",
                    f"label t.{use.name} is not in {where} ({' and '.join(missing)})"
                    f"{closest(use.name, known)}" + (f"; its labels: {', '.join(known)}" if known else ""),
                )
            )
    return problems


def _labels(path: Path | None) -> dict[str, dict[str, Any]] | None:
    if path is None:
        return {lang: {} for lang in LANGUAGES}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except Exception:  # not YAML: the labels check says so
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(lang), dict) for lang in LANGUAGES):
        return None  # not es: and en: mappings: reported by the labels check
    if set(data["es"]) != set(data["en"]):
        return None  # a label in one language only: reported by the labels check
    return {lang: data[lang] for lang in LANGUAGES}


def row_names(loaded: LoadedFamily, columns: Mapping[str, list[str]]) -> set[str] | None:
    """What a row holds in a template: the rows query's columns, the declared columns (a
    `by_language` one by its own name), the detail lists and the engine's keys. None when the
    template context is not the engine's (a Python family or transform) or the query did not run."""
    alert = loaded.config.alert
    if alert is None or alert.transform or "rows" not in columns:
        return None
    return {*columns["rows"], *alert.columns, *alert.rows.details, *ENGINE_ROW_KEYS}


def check_row_columns(
    loaded: LoadedFamily, columns: Mapping[str, list[str]], templates_dir: Path = TEMPLATES_DIR
) -> list[Problem]:
    """Every `row.<column>` (or `first.`, or a loop's row over `rows`/`top`) a template reads is a
    column of the rows query or a declared column."""
    allowed = row_names(loaded, columns)
    if allowed is None:
        return []
    alert = loaded.config.alert
    assert alert is not None
    problems = []
    for path, _language, tree in template_trees(family_folders(loaded, templates_dir)):
        for use in attribute_uses(tree, ROW_NAMES, ROW_LISTS):
            if use.name in allowed or use.name in DICT_METHODS:
                continue
            problems.append(
                Problem(
                    shown(path),
                    f"line {use.line}",
                    f"{use.variable}.{use.name}: {use.name!r} is not a column {alert.rows.sql} returns "
                    f"nor a declared column{closest(use.name, allowed)}; its columns: "
                    f"{', '.join(columns['rows'])}",
                )
            )
    return problems


# -- the body's tables against the mail's width -----------------------------------------------------


def body_tables(family: Any, templates_dir: Path = TEMPLATES_DIR) -> list[str]:
    """The tables a family's mail body shows: `table` when a body template reads it, and
    `tables.<name>` for each it reads, in that order."""
    from jinja2 import nodes

    name = family.templates
    folders = [root / name for root in template_roots(family, templates_dir) if (root / name).is_dir()]
    found: list[str] = []
    for path, _language, tree in template_trees(folders):
        if not path.name.startswith("body."):
            continue
        if any(each.name == "table" for each in tree.find_all(nodes.Name)):
            found.append("table")
        found += [f"tables.{use.name}" for use in attribute_uses(tree, frozenset({"tables"}))]
    return list(dict.fromkeys(sorted(found, key=lambda each: (each != "table", each))))


def check_table_widths(loaded: LoadedFamily, templates_dir: Path = TEMPLATES_DIR) -> list[Problem]:
    """Warnings: a body table whose declared columns, with typical values, are wider than the mail."""
    from alertas_rapidas.authoring.table_width import estimated
    from alertas_rapidas.engine.planner import run_values
    from alertas_rapidas.engine.templating import holds

    alert = loaded.config.alert
    if alert is None:
        return []
    values = {**run_values(loaded.run), **loaded.settings.model_dump(mode="json")}
    warnings = []
    for name in body_tables(loaded.family, templates_dir):
        spec = alert.table if name == "table" else alert.tables.get(name.removeprefix("tables."))
        if spec is None:
            continue
        columns = []
        for key in spec.columns:
            column = alert.columns[key]
            if column.when and not holds(column.when, values):
                continue  # hidden by a setting
            heading = (
                {"es": column.label.es, "en": column.label.en} if column.label else {"es": key, "en": key}
            )
            columns.append((heading, column.kind))
        width = estimated(name, columns)
        if width.too_wide:
            field = "alert.table" if name == "table" else f"alert.{name}"
            warnings.append(Problem(shown(loaded.path), field, width.warning("headings and typical values")))
    return warnings
