"""`reference`: the field reference of the `alert:` block, as Markdown generated from the code.

One table per model of the block (AlertSpec and every model it contains, found by walking its
fields) and of `schedule:`: each field's type, default and meaning (the field's `description`).
Then the setting types (which of them take limits or `min_items`, tried on SettingSpec itself),
the roles, the run values (from a sample run; SQL parameters from `RUN_PARAMETERS`), the keys the
engine gives templates (from plans built on sample rows), the template filters and the skip
reasons. The docs page `docs/reference.md` holds the result between the two markers below;
`--write` replaces it there, and tests/unit/authoring/test_reference.py (and `validate`) say when the
page's copy is out of date.

The only words kept here are the meanings of the run values and context keys: a key the code
adds without a meaning here stops the generator with a message saying so.
"""

from __future__ import annotations

import inspect
import re
import textwrap
import types
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from alertas_rapidas.config import ScheduleConfig
from alertas_rapidas.engine import spec
from alertas_rapidas.engine.settings import _LISTS, _PYTHON_TYPES, SettingSpec, SettingType
from alertas_rapidas.families._common import EmployeeRole
from alertas_rapidas.paths import PROJECT_ROOT

START = "<!-- alert-reference:start -->"
END = "<!-- alert-reference:end -->"
PAGE = PROJECT_ROOT / "docs" / "reference.md"

# Patterns of text fields, as a reader names them.
PATTERNS = {
    spec.COLUMN: "column name",
    spec.SQL_FILE: "SQL file",
    spec.TEMPLATE_STEM: "name (a-z, 0-9, _)",
    spec.SETTING_FIELD: "`{setting}`",
    r"^[a-z_][a-z0-9_.]*:[a-z_][a-z0-9_]*$": "`module:function`",
}
SCALARS: dict[Any, str] = {
    str: "text",
    int: "int",
    float: "number",
    bool: "bool",
    date: "date (YYYY-MM-DD)",
    timedelta: "duration (ISO 8601, e.g. `PT1H`)",
    Any: "any",
}

# What each run value means; the values themselves come from `engine.plan.run_values`.
RUN_VALUES = {
    "run_date": "the date the run stands for, dealership time",
    "at": "the run's instant T (the end of its data interval)",
    "at_time": "T's local time of day",
    "window_start": "the start of the run's data window",
    "window_end": "the end of the run's data window (T)",
    "timezone": "the dealership's time zone",
    "iso_week": "T's ISO week",
    "month": "T's month",
    "year": "T's year",
}
# What each key of a message's context means; the keys come from plans the engine builds.
CONTEXT = {
    "dealership": "the dealership: `id`, `code`, `name`, `tax_id`, `local_currency`",
    "settings": "every setting, by name",
    "run": "the run values above",
    "run_date": "the run's date (as `run.run_date`)",
    "stage": "the stage's name",
    "recipient_name": "the name of the one person the message is to (none for several or no name)",
    "row": "the row, its columns by kind, its details as lists by name, plus `reached` (the stages "
    "that reached somebody for it) and `missed` (`{stage: skip reason}`)",
    "rows": "the message's rows, each as `row` is",
    "first": "the first of them (a report's group values)",
    "count": "how many rows",
    "top": "the first `body_rows` rows (the body's list)",
    "more": "how many rows `top` leaves out",
    "totals": "the sum of each column with `total: true`, by name",
    "table": "the report table: `title_es`, `title_en`, `columns` (`key`, `label_es`, `label_en`, "
    "`kind`), `rows`, `totals`; what `_reports/table` and the XLSX draw",
    "send_number": 'which send of its key this message is: 1 the first, 2 the first repeat ("2nd '
    'reminder"); with `row_key` each row carries its own `send_number` instead',
    "max_times": "the sends in all that `repeat` allows (`repeat.max_times`, a number)",
}
# Added by the renderer to every message's context.
RENDERER = {
    "lang": "the message's language, `es` or `en`",
    "t": "the words of the mail's language from the folder's `labels.yaml`",
}


class AlertReferenceError(RuntimeError):
    """The page has no reference block, or the code has a key this module cannot explain."""


# -- the models -----------------------------------------------------------------------------------


def _nested(annotation: Any) -> Iterator[tuple[type[BaseModel], str]]:
    """The models inside an annotation, each with the path suffix leading to it."""
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, ""
    elif origin is Annotated:
        yield from _nested(get_args(annotation)[0])
    elif origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            yield from _nested(arg)
    elif origin is list:
        for model, suffix in _nested(get_args(annotation)[0]):
            yield model, f"[]{suffix}"
    elif origin is dict:
        for model, suffix in _nested(get_args(annotation)[1]):
            yield model, f".<name>{suffix}"


def models() -> list[tuple[type[BaseModel], list[str]]]:
    """Every model of the `alert:` block in reading order (depth first from AlertSpec), with the
    paths where it sits; then `schedule:`."""
    order: list[type[BaseModel]] = []
    paths: dict[type[BaseModel], list[str]] = {}

    def visit(model: type[BaseModel], path: str) -> None:
        if model in paths:
            paths[model].append(path)
            return
        order.append(model)
        paths[model] = [path]
        for name, field in model.model_fields.items():
            for inner, suffix in _nested(field.annotation):
                visit(inner, f"{path}.{name}{suffix}")

    visit(spec.AlertSpec, "alert")
    found = [(model, paths[model]) for model in order]
    return [*found, (ScheduleConfig, ["schedule"])]


def _model_link(model: type[BaseModel]) -> str:
    return f"[{model.__name__}](#{model.__name__.lower()})"


def _choices(values: tuple[Any, ...]) -> str:
    shown = [f"`{value}`" for value in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _constraint(metadata: list[Any], name: str) -> Any:
    """A constraint of a field's metadata (`ge`, `max_length`, `pattern`...), or None."""
    return next((getattr(m, name) for m in metadata if getattr(m, name, None) is not None), None)


def _limits(metadata: list[Any], *, is_list: bool) -> str:
    low, high = _constraint(metadata, "ge"), _constraint(metadata, "le")
    shortest, longest = _constraint(metadata, "min_length"), _constraint(metadata, "max_length")
    parts = []
    if low is not None and high is not None:
        parts.append(f"{low}–{high}")
    elif low is not None:
        parts.append(f"≥ {low}")
    elif high is not None:
        parts.append(f"≤ {high}")
    if shortest and is_list:
        parts.append(f"at least {shortest}")
    elif shortest:
        parts.append("not empty")
    if longest:
        parts.append(f"at most {longest} characters")
    return f" ({', '.join(parts)})" if parts else ""


def type_text(annotation: Any, metadata: list[Any] | None = None) -> str:
    """An annotation as a reader says it: `list of RecipientRule (at least 1)`, `` `es` or `en` ``."""
    metadata = list(metadata or [])
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        for item in extra:
            metadata += item.metadata if isinstance(item, FieldInfo) else [item]
        return type_text(inner, metadata)
    if origin in (Union, types.UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        return " or ".join(type_text(arg, metadata if len(kept) == 1 else None) for arg in kept)
    if annotation == EmployeeRole:
        return "[role](#roles)"
    if annotation == SettingType:
        return "[setting type](#setting-types)"
    if origin is Literal:
        return _choices(get_args(annotation))
    if origin is list:
        return f"list of {type_text(get_args(annotation)[0])}{_limits(metadata, is_list=True)}"
    if origin is dict:
        return f"map of name to {type_text(get_args(annotation)[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model_link(annotation)
    if getattr(annotation, "__name__", "") == "EmailStr":
        return "e-mail address"
    pattern = _constraint(metadata, "pattern")
    if pattern is not None:
        return PATTERNS.get(pattern, f"text matching `{pattern}`")
    if annotation in SCALARS:
        return SCALARS[annotation] + _limits(metadata, is_list=False)
    raise AlertReferenceError(f"no reader's name for the type {annotation!r}: add it to reference.py")


def default_text(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return "(required)"
    else:
        value = field.default
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list | dict | str) and not value:
        return f"`{value!r}`".replace("'", '"')
    return f"`{value}`"


def _para(text: str) -> str:
    """A paragraph of prose, wrapped as the docs' own."""
    return textwrap.fill(" ".join(text.split()), width=100, break_long_words=False, break_on_hyphens=False)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _summary(model: type[BaseModel]) -> str:
    """The docstring's first paragraph (and the list it introduces, when it ends with a colon)."""
    paragraphs = [p.strip() for p in inspect.cleandoc(model.__doc__ or "").split("\n\n") if p.strip()]
    if not paragraphs:
        return ""
    taken = paragraphs[:2] if paragraphs[0].endswith(":") and len(paragraphs) > 1 else paragraphs[:1]
    return "\n\n".join(taken)


def model_table(model: type[BaseModel], paths: list[str]) -> list[str]:
    where = ", ".join(f"`{path}`" for path in paths)
    lines = [f"## {model.__name__}", "", _para(f"At {where}."), ""]
    summary = _summary(model) if model is not spec.AlertSpec else ""  # its docstring points here
    if summary:
        lines += [summary, ""]
    if model is spec.StageSpec:
        fields = ", ".join(f"`{name}`" for name in spec.StageSpec.model_fields if name in spec._STAGE_FIELDS)
        lines += [_para(f"Without `stages:`, the one stage's {fields} stand directly under `alert:`."), ""]
    lines += ["| field | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if not field.description:
            raise AlertReferenceError(
                f"{model.__name__}.{name} has no description: add Field(description=...)"
            )
        lines.append(
            f"| `{name}` | {_cell(type_text(field.annotation, field.metadata))} | "
            f"{_cell(default_text(field))} | {_cell(field.description)} |"
        )
    return [*lines, ""]


# -- settings, roles --------------------------------------------------------------------------------


def _accepts(**declaration: Any) -> bool:
    try:
        SettingSpec(**declaration)
    except ValidationError:
        return False
    return True


def setting_types() -> list[str]:
    lines = [
        "## Setting types",
        "",
        _para(
            "The `type` of a declared setting, the value the family file gives, and what else the "
            "declaration may say."
        ),
        "",
        "| type | value | `min`, `max` | `min_items` |",
        "|---|---|---|---|",
    ]
    for name in get_args(SettingType):
        base: dict[str, Any] = {"type": name}
        if name in ("choice", "choices"):
            base["choices"] = ["a"]
            value = "one of its `choices`" if name == "choice" else "list of its `choices`"
        else:
            value = type_text(_PYTHON_TYPES[name])
        limits = "yes" if _accepts(**base, min=0) else ""
        items = "yes" if _accepts(**base, min_items=1) else ""
        if name in _LISTS:
            value += "; `[]` unless declared with a `default`"
        lines.append(f"| `{name}` | {_cell(value)} | {limits} | {items} |")
    return [*lines, ""]


def roles() -> list[str]:
    return [
        "## Roles",
        "",
        _para(f"Employee roles (`employees.role`): {_choices(get_args(EmployeeRole))}."),
        "",
    ]


# -- run values and template context ------------------------------------------------------------------


def _sample_run() -> Any:
    from alertas_rapidas.schedule.run_time import resolve_run_time

    return resolve_run_time(
        timezone="America/Argentina/Buenos_Aires",
        logical_date=datetime(2026, 11, 2, 11, 0, tzinfo=UTC),
        run_after=None,
        interval=timedelta(hours=1),
    )


def run_values() -> list[str]:
    from alertas_rapidas.engine.planner import run_values as values_of
    from alertas_rapidas.engine.spec import RUN_PARAMETERS

    values = values_of(_sample_run())
    unknown = sorted(set(values) - set(RUN_VALUES))
    if unknown:
        raise AlertReferenceError(f"run values with no meaning in reference.RUN_VALUES: {', '.join(unknown)}")
    lines = [
        "## Run values",
        "",
        _para(
            "Named in keys, references, file names and conditions (`{run_date}`), in templates as "
            "`run.<name>`, and, where marked, in SQL as `%(<name>)s` (there as dates, timestamps and "
            "numbers, not text). SQL also gets every setting by its name, and a detail query gets "
            "`%(parent_keys)s`, the array of the main rows' `key` values."
        ),
        "",
        "| value | SQL | example (an hourly run at 08:00, Buenos Aires) | meaning |",
        "|---|---|---|---|",
    ]
    for name, value in values.items():
        sql = "yes" if name in RUN_PARAMETERS else ""
        lines.append(f"| `{name}` | {sql} | `{value}` | {_cell(RUN_VALUES[name])} |")
    missing = sorted(set(RUN_PARAMETERS) - set(values))
    if missing:
        raise AlertReferenceError(f"SQL run parameters that templates lack: {', '.join(missing)}")
    return [*lines, ""]


def _sample_contexts() -> dict[str, dict[str, set[str]]]:
    """The context keys of a message of each grouping: plain, with a `table:` and with `repeat:`."""
    import pandas as pd

    from alertas_rapidas.engine.planner import build_plan
    from alertas_rapidas.engine.settings import settings_model

    frames = {
        "rows": pd.DataFrame([{"id": 1, "amount": 10}]),
        "_dealership": pd.DataFrame(
            [{"id": 1, "code": "A", "name": "A", "tax_id": "1", "local_currency": "ARS"}]
        ),
    }
    run = _sample_run()
    found: dict[str, dict[str, set[str]]] = {}
    for grouping in ("per_row", "digest", "report"):
        for variant in ("plain", "table", "repeat"):
            block: dict[str, Any] = {
                "rows": {"sql": "sample/rows.sql"},
                "columns": {"amount": {"kind": "int", "total": True}},
                "grouping": grouping,
                "recipients": {"to": [{"addresses": ["someone@example.com"]}]},
                "once_per": "sample:{run_date}",
            }
            if variant == "table":
                block["table"] = {"title": {"es": "T", "en": "T"}, "columns": ["amount"]}
            if variant == "repeat":
                block["repeat"] = {"every_days": 1, "max_times": 2}
            alert = spec.AlertSpec.model_validate(block)
            settings = settings_model("sample", {})()
            plan = build_plan(frames, settings, run, spec=alert)
            found.setdefault(grouping, {})[variant] = set(plan.messages[0].context)
    return found


def template_context() -> list[str]:
    contexts = _sample_contexts()
    keys = set().union(*(each for grouping in contexts.values() for each in grouping.values()))
    if keys != set(CONTEXT):
        raise AlertReferenceError(
            "reference.CONTEXT does not match the engine's context keys: "
            f"no meaning for {sorted(keys - set(CONTEXT))}, no longer given {sorted(set(CONTEXT) - keys)}"
        )
    lines = [
        "## Template context",
        "",
        _para(
            "What `subject`, `body` and attachment templates see. Values are plain: money in cents "
            "(format with `money`), dates as `YYYY-MM-DD`, instants as local ISO 8601."
        ),
        "",
        "| key | in | meaning |",
        "|---|---|---|",
    ]
    for key in CONTEXT:
        where = [g for g, each in contexts.items() if any(key in keys for keys in each.values())]
        shown = ", ".join(f"`{g}`" for g in where)
        if len(where) == len(contexts):
            shown = "all"
        for variant in ("table", "repeat"):  # given only when the block has that field
            if all(key not in contexts[g]["plain"] for g in where) and all(
                key in contexts[g][variant] for g in where
            ):
                shown += f" with `{variant}:`"
        lines.append(f"| `{key}` | {shown} | {_cell(CONTEXT[key])} |")
    for key, meaning in RENDERER.items():
        lines.append(f"| `{key}` | all | {_cell(meaning)} |")
    return [*lines, ""]


def filters() -> list[str]:
    from jinja2.defaults import DEFAULT_FILTERS

    from alertas_rapidas.templating import template_environment

    env = template_environment()
    lines = [
        "## Template filters",
        "",
        "Beside Jinja's own, e.g. `{{ row.amount | money(lang) }}`:",
        "",
        "| filter | gives |",
        "|---|---|",
    ]
    for name in sorted(set(env.filters) - set(DEFAULT_FILTERS)):
        function = env.filters[name]
        arguments = list(inspect.signature(function).parameters)[1:]
        gives = (inspect.getdoc(function) or "").split("\n\n")[0]
        lines.append(f"| `{name}({', '.join(arguments)})` | {_cell(gives)} |")
    return [*lines, ""]


def skip_reasons() -> list[str]:
    from alertas_rapidas.contracts.plan import SKIP_REASONS

    lines = ["## Skip reasons", "", "| reason | meaning |", "|---|---|"]
    lines += [f"| `{reason}` | {_cell(meaning)} |" for reason, meaning in SKIP_REASONS.items()]
    return [*lines, ""]


# -- the whole reference and its docs page ------------------------------------------------------------


def markdown() -> str:
    """The reference: a note, then one `##` section per model and table (no markers)."""
    lines = [
        _para(
            "Generated from the models by `make reference` (do not edit between the markers); "
            "`tests/unit/authoring/test_reference.py` fails and `make validate` warns when it is out of "
            "date. A `{column}` template names the row's columns, the settings and the run values; a "
            "condition (`when`, `require`) is a Jinja expression over the same."
        ),
        "",
    ]
    for model, paths in models():
        lines += model_table(model, paths)
    lines += setting_types() + roles() + run_values() + template_context() + filters() + skip_reasons()
    return "\n".join(lines).rstrip("\n") + "\n"


_BLOCK = re.compile(re.escape(START) + r"\n.*?" + re.escape(END), re.DOTALL)


def page_block(text: str) -> str:
    """What a page holds between the markers (no markers)."""
    match = _BLOCK.search(text)
    if match is None:
        raise AlertReferenceError(f"the page has no block between {START} and {END}")
    return match.group(0)[len(START) + 1 : -len(END)]


def write(page: Path = PAGE) -> bool:
    """Replace the page's block with the generated reference; whether anything changed."""
    text = page.read_text(encoding="utf-8")
    page_block(text)  # the markers are there
    updated = _BLOCK.sub(lambda _match: f"{START}\n{markdown()}{END}", text, count=1)
    if updated == text:
        return False
    page.write_text(updated, encoding="utf-8")
    return True
