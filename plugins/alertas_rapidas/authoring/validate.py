"""`validate`: check every family file, its SQL files and its templates before anything runs.

Each check is a small function returning a list of `Problem(file, where, message)`; the CLI
prints one line per problem and a summary line. Without a DMS the checks are static: the config
loads, every SQL file exists and binds only parameters the family gives, every template the
renderer will look for exists in both languages and parses. With `--dms DSN` every SQL file also
runs on that database (zero rows, read-only), and the columns the config names are checked
against the columns the rows query returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alertas_rapidas.authoring.loaded_family import TEMPLATE_SUFFIXES, LoadedFamily, template_roots
from alertas_rapidas.authoring.problems import Problem, closest, shown
from alertas_rapidas.config import FamilyConfigError, load_family_config
from alertas_rapidas.connections import DMS_CONN_ID
from alertas_rapidas.families.registry import family_files
from alertas_rapidas.paths import FAMILIES_DIR, SQL_DIR, TEMPLATES_DIR
from alertas_rapidas.schedule.day_runs import run_for, scheduled_instant
from alertas_rapidas.templating import LANGUAGES

# psycopg's placeholders: %(name)s (or %(name)b / %(name)t), %s, and %% for a literal percent.
_PLACEHOLDER = re.compile(r"%(?:\(([^)]*)\))?(.)?", re.DOTALL)
_PROBE_HEAD = "select * from (\n"  # a query is run as `select * from (<query>) as q limit 0`


# -- the file loads -------------------------------------------------------------------------------


def load_family(path: Path, *, at: datetime | None = None) -> tuple[LoadedFamily | None, list[Problem]]:
    """Load and validate one family file; the family spec, a sample run and its SQL parameters."""
    from alertas_rapidas.engine.family import family_for

    file = shown(path)
    try:
        config, settings = load_family_config(path)
    except FamilyConfigError as exc:
        return None, config_problems(file, str(exc))
    try:
        family = family_for(config)
    except (KeyError, ValueError) as exc:
        return None, [Problem(file, "family", str(exc.args[0] if exc.args else exc))]
    if at is None:
        today = datetime.now(UTC).astimezone(_zone(config.timezone)).date()
        at = scheduled_instant(config, today)
    run = run_for(config, at)
    try:
        params = family.sql_params(settings, run)
    except Exception as exc:  # a Python family's parameter code failed on valid settings
        return None, [
            Problem(file, "settings", f"the SQL parameters cannot be built: {type(exc).__name__}: {exc}")
        ]
    return LoadedFamily(path, config, settings, family, run, params), []


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def config_problems(file: str, message: str) -> list[Problem]:
    """A FamilyConfigError's message (a heading, then `  - field: what is wrong` lines) as one
    problem per field; a message of one line (bad YAML, missing file) as one problem."""
    lines = message.splitlines()
    items = [line.strip()[2:] for line in lines[1:] if line.strip().startswith("- ")]
    if not items:
        return [Problem(file, "(file)", message.replace("\n", " "))]
    problems = []
    for item in items:
        where, _, what = item.partition(": ")
        problems.append(Problem(file, where, what) if what else Problem(file, "(file)", item))
    return problems


# -- SQL files and their parameters ---------------------------------------------------------------


def sql_placeholders(text: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The named parameters a SQL text uses, and its malformed placeholders, each with its line."""
    named: list[tuple[str, int]] = []
    bad: list[tuple[str, int]] = []
    for match in _PLACEHOLDER.finditer(text):
        name, spec = match.group(1), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        if name is None and spec == "%":
            continue
        if name is not None and spec in ("s", "b", "t") and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            named.append((name, line))
        else:
            bad.append((match.group(0).rstrip("\n"), line))
    return named, bad


def query_names(loaded: LoadedFamily, name: str) -> set[str]:
    """The parameter names bound for one query of the family."""
    bound = set(loaded.params)
    if name in loaded.family.parents:
        bound.add("parent_keys")
    if name not in loaded.family.lookups:
        bound |= set(loaded.family.lookups)
    return bound


def check_sql(loaded: LoadedFamily, sql_dir: Path = SQL_DIR) -> list[Problem]:
    """Every SQL file exists, and every parameter it names is one the family binds."""
    problems = []
    for name, relative in loaded.family.queries.items():
        path = sql_dir / relative
        if not path.is_file():
            siblings = sorted(p.relative_to(sql_dir).as_posix() for p in path.parent.glob("*.sql"))
            allowed = (
                f"; files there: {', '.join(siblings)}"
                if siblings
                else f"; no SQL files in {shown(path.parent)}"
            )
            problems.append(
                Problem(
                    shown(loaded.path),
                    _query_field(loaded, name),
                    f"SQL file {shown(path)} does not exist{closest(relative, siblings)}{allowed}",
                )
            )
            continue
        bound = query_names(loaded, name)
        named, bad = sql_placeholders(path.read_text(encoding="utf-8"))
        for placeholder, line in bad:
            problems.append(
                Problem(
                    shown(path),
                    f"line {line}",
                    f"{placeholder!r} is not a parameter: name parameters %(name)s and write a "
                    "literal percent sign as %%",
                )
            )
        reported: set[str] = set()
        for parameter, line in named:
            if parameter in bound or parameter in reported:
                continue
            reported.add(parameter)
            problems.append(
                Problem(
                    shown(path),
                    f"line {line}",
                    f"parameter %({parameter})s is not bound{closest(parameter, bound)}; "
                    f"bound: {', '.join(sorted(bound))}",
                )
            )
    return problems


def _query_field(loaded: LoadedFamily, name: str) -> str:
    """The config field naming a query's SQL file (or the query's name for Python families)."""
    alert = loaded.config.alert
    if alert is None:
        return f"query {name} (family module {loaded.family.key})"
    if name == "rows":
        return "alert.rows.sql"
    if name in alert.rows.details:
        return f"alert.rows.details.{name}.sql"
    if name in alert.rows.lookups:
        return f"alert.rows.lookups.{name}.sql"
    return f"query {name} (the engine's own)"


# -- templates --------------------------------------------------------------------------------------


def check_templates(loaded: LoadedFamily, templates_dir: Path = TEMPLATES_DIR) -> list[Problem]:
    """The templates the renderer looks for exist in both languages (or language-neutral with
    labels in both), and every template of the family's folder parses."""
    from alertas_rapidas.templating import LABELS_FILE, RenderError, load_labels

    roots = template_roots(loaded.family, templates_dir)
    name = loaded.family.templates
    folders = [root / name for root in roots if (root / name).is_dir()]
    file = shown(loaded.path)
    if not folders:
        return [Problem(file, "templates", f"template folder {shown(roots[0] / name)} does not exist")]
    folder = folders[0]

    def found(relative: str) -> bool:
        return any((root / relative).is_file() for root in roots)

    # (stem, suffix, config field or template name, required)
    wanted = [
        ("subject", "txt", "subject", True),
        ("body", "html", "body", True),
        ("body", "txt", "body", False),
    ]
    alert = loaded.config.alert
    if alert is not None:
        for index, rule in enumerate(alert.attachments):
            if rule.kind == "pdf" and rule.template:
                wanted.append((rule.template, "html", f"alert.attachments[{index}].template", True))
    problems: list[Problem] = []
    neutral_used: set[str] = set()
    for stem, suffix, what, required in wanted:
        prefix = "" if stem.startswith("_") else f"{name}/"  # `_x` is taken from the templates root
        neutral = f"{prefix}{stem}.{suffix}"
        for lang in LANGUAGES:
            specific = f"{prefix}{stem}.{lang}.{suffix}"
            if found(specific):
                continue
            if found(neutral):
                neutral_used.add(Path(neutral).name)
            elif required:
                problems.append(
                    Problem(
                        shown(folder) if what in ("subject", "body") else file,
                        what,
                        f"no {lang} template: give {shown(roots[0] / specific)} or the language-neutral "
                        f"{shown(roots[0] / neutral)}",
                    )
                )
    labels_folder = next((f for f in folders if (f / LABELS_FILE).is_file()), None)
    labels_path = (labels_folder or folder) / LABELS_FILE
    if neutral_used or labels_folder is not None:
        try:
            # Uncached (the file may have just changed); an absolute folder is read as it is.
            labels = load_labels.__wrapped__(str(labels_folder or folder))
        except RenderError as exc:
            problems.append(Problem(shown(labels_path), "(file)", str(exc).split(": ", 1)[-1]))
        except Exception as exc:  # not YAML at all
            problems.append(
                Problem(shown(labels_path), "(file)", f"cannot be read: {type(exc).__name__}: {exc}")
            )
        else:
            if not labels:
                names = ", ".join(sorted(neutral_used))
                problems.append(
                    Problem(
                        shown(labels_path),
                        "(file)",
                        f"missing: the language-neutral template(s) {names} take their words from it "
                        "(es: and en: mappings with the same keys)",
                    )
                )
    for each in folders:
        problems += check_template_syntax(each, roots)
    from alertas_rapidas.authoring.template_checks import check_labels

    return problems + check_labels(loaded, templates_dir)


def check_template_syntax(folder: Path, roots: Sequence[Path] = (TEMPLATES_DIR,)) -> list[Problem]:
    """Parse every template of a folder (under one of `roots`) with the package's Jinja environment
    over `roots`; report syntax errors with file and line, and templates it extends, includes or
    imports that do not exist."""
    from jinja2 import TemplateSyntaxError, meta

    from alertas_rapidas.templating import template_environment

    root = next(r for r in roots if folder.resolve().is_relative_to(r.resolve()))
    env = template_environment(*(str(r) for r in roots))
    existing = set(env.list_templates())
    problems = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in TEMPLATE_SUFFIXES:
            continue
        name = path.resolve().relative_to(root.resolve()).as_posix()
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(shown(path), "(file)", f"not UTF-8 text: {exc.reason}"))
            continue
        try:
            tree = env.parse(source, name=name, filename=str(path))
        except TemplateSyntaxError as exc:
            problems.append(
                Problem(shown(path), f"line {exc.lineno}", f"template syntax error: {exc.message}")
            )
            continue
        for referenced in meta.find_referenced_templates(tree):
            if referenced is not None and referenced not in existing:
                problems.append(
                    Problem(
                        shown(path),
                        "(file)",
                        f"uses template {referenced!r}, which does not exist under "
                        f"{' or '.join(shown(r) for r in roots)}"
                        f"{closest(referenced, existing)}",
                    )
                )
    return problems


def check_shared_templates(templates_dir: Path = TEMPLATES_DIR) -> list[Problem]:
    """The shared folders (`_layouts`, `_reports`, ...) parse too."""
    problems = []
    for folder in sorted(p for p in templates_dir.iterdir() if p.is_dir() and p.name.startswith("_")):
        problems += check_template_syntax(folder, (templates_dir,))
    return problems


def check_transform(loaded: LoadedFamily) -> list[Problem]:
    """A configured family's `transform:` escape hatch names a function that can be loaded."""
    from alertas_rapidas.families import load_transform

    alert = loaded.config.alert
    if alert is None or not alert.transform:
        return []
    try:
        load_transform(loaded.family)
    except (ImportError, AttributeError, ValueError) as exc:
        return [
            Problem(shown(loaded.path), "alert.transform", f"cannot be loaded: {type(exc).__name__}: {exc}")
        ]
    return []


# -- against a database ---------------------------------------------------------------------------


def config_columns(loaded: LoadedFamily) -> dict[str, list[str]]:
    """Columns of the rows query that a configured family's config names, each with the fields
    naming it; settings and run values (which templates may use too) are left out."""
    from alertas_rapidas.engine.planner import run_values
    from alertas_rapidas.engine.spec import RUN_PARAMETERS
    from alertas_rapidas.engine.templating import field_names

    alert = loaded.config.alert
    if alert is None:
        return {}
    origins: dict[str, list[str]] = {}

    def add(names: Iterable[str | None], where: str) -> None:
        for name in names:
            if name and where not in origins.setdefault(name, []):
                origins[name].append(where)

    for name, column in alert.columns.items():
        add(
            [f"{name}_{lang}" for lang in LANGUAGES] if column.by_language else [name],
            f"alert.columns.{name}",
        )
    for name, detail in alert.rows.details.items():
        add([detail.key], f"alert.rows.details.{name}.key")
    shorthand = len(alert.stages) == 1 and alert.stages[0].name == "main"
    for index, stage in enumerate(alert.stages):
        prefix = "alert" if shorthand else f"alert.stages[{index}]"
        add(stage.group_by, f"{prefix}.group_by")
        add(field_names(stage.once_per), f"{prefix}.once_per")
        for field in ("row_ref", "row_key"):
            template = getattr(stage, field)
            if template:
                add(field_names(template), f"{prefix}.{field}")
        if stage.recipients.together_as:
            add(field_names(stage.recipients.together_as), f"{prefix}.recipients.together_as")
        for kind in ("to", "cc", "bcc"):
            for number, rule in enumerate(getattr(stage.recipients, kind)):
                where = f"{prefix}.recipients.{kind}[{number}]"
                if rule.party:
                    party = rule.party
                    for attr in ("email", "cc", "name", "language", "active", "opted_out"):
                        add([getattr(party, attr)], f"{where}.party.{attr}")
                    add(field_names(party.ref), f"{where}.party.ref")
                for attr in ("employee", "manager_of", "branch"):
                    add([getattr(rule, attr)], f"{where}.{attr}")
    excluded = set(type(loaded.settings).model_fields) | set(RUN_PARAMETERS) | set(run_values(loaded.run))
    named = alert.row_columns() - excluded
    return {name: origins.get(name, ["alert"]) for name in sorted(named)}


def connect(dsn: str) -> Any:
    """A read-only connection to the database of `--dms`: a DSN, or "" for the Airflow connection
    `dms_postgres` (a ConnectionError says how to give one when it is not defined)."""
    import psycopg

    if not dsn:
        from airflow.sdk.exceptions import AirflowNotFoundException

        from alertas_rapidas.extract import ExtractError, connect_read_only

        try:
            return connect_read_only(DMS_CONN_ID, timedelta(seconds=60))
        except ExtractError as exc:
            if isinstance(exc.__cause__, AirflowNotFoundException):
                raise ConnectionError(
                    f"the connection {DMS_CONN_ID} is not defined: give --dms DSN, set "
                    "AIRFLOW_CONN_DMS_POSTGRES, or run `make demo` first (then `make validate "
                    "ARGS=--dms` uses the demo's DMS)"
                ) from None
            raise ConnectionError(str(exc)) from None
    conn = psycopg.connect(dsn, connect_timeout=10)
    conn.read_only = True
    return conn


def probe_query(conn: Any, sql: str, params: Mapping[str, Any]) -> list[str]:
    """Run a query for zero rows in a read-only transaction that is rolled back; its columns."""
    body = sql.rstrip().rstrip(";").rstrip()
    with conn.transaction(force_rollback=True), conn.cursor() as cursor:
        cursor.execute("set local statement_timeout = '60s'")
        cursor.execute(f"{_PROBE_HEAD}{body}\n) as q limit 0", dict(params))
        return [column.name for column in cursor.description or []]


def check_against_database(
    loaded: LoadedFamily, conn: Any, sql_dir: Path = SQL_DIR, templates_dir: Path = TEMPLATES_DIR
) -> list[Problem]:
    """Every SQL file of the family runs on the database; the columns the config names and the
    templates read exist."""
    import psycopg

    from alertas_rapidas.authoring.template_checks import check_row_columns

    problems: list[Problem] = []
    columns: dict[str, list[str]] = {}
    for name, relative in loaded.family.queries.items():
        path = sql_dir / relative
        if loaded.family.connections.get(name, DMS_CONN_ID) != DMS_CONN_ID or not path.is_file():
            continue  # on another database, or already reported missing
        text = path.read_text(encoding="utf-8")
        named, bad = sql_placeholders(text)
        if bad or any(p not in query_names(loaded, name) for p, _ in named):
            continue  # already reported: it cannot be bound
        try:
            lookups: dict[str, list[object]] = {lookup: [] for lookup in loaded.family.lookups}
            columns[name] = probe_query(conn, text, {**loaded.params, "parent_keys": [], **lookups})
        except psycopg.Error as exc:
            problems.append(Problem(shown(path), _error_where(exc, text), _first_line(exc)))
    problems += check_columns(loaded, columns)
    problems += check_row_columns(loaded, columns, templates_dir)
    return problems


def check_columns(loaded: LoadedFamily, columns: Mapping[str, list[str]]) -> list[Problem]:
    """The columns the config names against the columns each query returned (name -> columns)."""
    alert = loaded.config.alert
    if alert is None:
        return []
    problems = []
    file = shown(loaded.path)
    # A declared column may be a detail query's (its kind applies to the detail rows too).
    in_details = {c for detail in alert.rows.details for c in columns.get(detail, [])}
    if "rows" in columns:
        have = columns["rows"]
        for name, wheres in config_columns(loaded).items():
            declared_only = all(where.startswith("alert.columns.") for where in wheres)
            if name not in have and not (declared_only and name in in_details):
                problems.append(
                    Problem(
                        file,
                        ", ".join(wheres),
                        f"names column {name!r}, which {alert.rows.sql} does not return"
                        f"{closest(name, have)}; its columns: {', '.join(have)}",
                    )
                )
    for detail_name, detail in alert.rows.details.items():
        detail_columns = columns.get(detail_name)
        if detail_columns is not None and detail.key not in detail_columns:
            problems.append(
                Problem(
                    file,
                    f"alert.rows.details.{detail_name}.key",
                    f"{detail.key!r} is not a column of {detail.sql} (a detail query returns its key "
                    f"column){closest(detail.key, detail_columns)}; "
                    f"its columns: {', '.join(detail_columns)}",
                )
            )
    return problems


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _error_where(exc: Any, text: str) -> str:
    """The line of the SQL file where PostgreSQL places the error, when it says. The server saw
    the text with psycopg's `$n` for each `%(name)s` and `%` for `%%` (never across a line)."""
    position = getattr(getattr(exc, "diag", None), "statement_position", None)
    numbers: dict[str, int] = {}

    def server_form(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "%" if match.group(2) == "%" else match.group(0)
        return f"${numbers.setdefault(match.group(1), len(numbers) + 1)}"

    sent = _PLACEHOLDER.sub(server_form, text)
    if not isinstance(position, int | str):
        return "(query)"
    try:
        index = int(position) - 1 - len(_PROBE_HEAD)
    except ValueError:
        return "(query)"
    if 0 <= index <= len(sent):
        return f"line {sent.count(chr(10), 0, index) + 1}"
    return "(query)"


# -- everything -----------------------------------------------------------------------------------


def validate_family(
    path: Path,
    *,
    sql_dir: Path = SQL_DIR,
    templates_dir: Path = TEMPLATES_DIR,
    conn: Any = None,
    warnings: list[Problem] | None = None,
) -> list[Problem]:
    """Every check of one family file (with `conn`: against that database too); what is worth
    knowing but not wrong (a body table wider than the mail) goes to `warnings`."""
    loaded, problems = load_family(path)
    if loaded is None:
        return problems
    problems += check_sql(loaded, sql_dir)
    problems += check_templates(loaded, templates_dir)
    problems += check_transform(loaded)
    if conn is not None:
        problems += check_against_database(loaded, conn, sql_dir, templates_dir)
    if warnings is not None and not problems:
        from alertas_rapidas.authoring.template_checks import check_table_widths

        warnings += check_table_widths(loaded, templates_dir)
    return problems


def validate_all(
    families_dir: Path = FAMILIES_DIR,
    *,
    sql_dir: Path = SQL_DIR,
    templates_dir: Path = TEMPLATES_DIR,
    dsn: str | None = None,
    warnings: list[Problem] | None = None,
) -> tuple[int, list[Problem]]:
    """(families checked, problems) for every family file of a folder; warnings into `warnings`."""
    files = family_files(families_dir)
    problems: list[Problem] = []
    conn = None
    if dsn is not None:
        import psycopg

        try:
            conn = connect(dsn)
        except (psycopg.Error, ConnectionError) as exc:
            return len(files), [Problem("--dms", "(connection)", f"cannot connect: {_first_line(exc)}")]
    try:
        for path in files:
            problems += validate_family(
                path, sql_dir=sql_dir, templates_dir=templates_dir, conn=conn, warnings=warnings
            )
    finally:
        if conn is not None:
            conn.close()
    if templates_dir.is_dir():
        problems += check_shared_templates(templates_dir)
    if warnings is not None and families_dir.resolve() == FAMILIES_DIR.resolve():
        warnings += check_generated_pages()
    return len(files), problems


def check_generated_pages() -> list[Problem]:
    """Warnings: the docs pages generated from the family files and the models (the family table,
    the alert field reference) differ from what `make reference` would write now."""
    from alertas_rapidas.authoring import families_table, reference

    found = []
    pages = (
        (families_table.PAGE, "family table", families_table.page_block, families_table.markdown),
        (reference.PAGE, "alert field reference", reference.page_block, reference.markdown),
    )
    for page, what, block, generated in pages:
        if not page.is_file():
            continue  # a project without the package's docs
        try:
            stale = block(page.read_text(encoding="utf-8")) != generated()
        except (FamilyConfigError, families_table.FamiliesTableError, reference.AlertReferenceError):
            continue  # a broken family file is reported above; a missing block by the docs' tests
        if stale:
            found.append(
                Problem(
                    shown(page),
                    what,
                    "out of date with the family files and the models: run `make reference`",
                )
            )
    return found


def summary_line(families: int, problems: int, warnings: int = 0) -> str:
    return (
        f"{families} famil{'y' if families == 1 else 'ies'} checked, "
        f"{problems} problem{'' if problems == 1 else 's'}"
        + (f", {warnings} warning{'' if warnings == 1 else 's'}" if warnings else "")
    )


def run(families_dir: Path, dsn: str | None) -> int:
    """The CLI: print each problem, each warning and the summary; 1 when there is any problem."""
    warnings: list[Problem] = []
    checked, problems = validate_all(families_dir, dsn=dsn, warnings=warnings)
    for problem in problems:
        print(problem.line())
    for warning in warnings:
        print(f"warning: {warning.line()}")
    print(summary_line(checked, len(problems), len(warnings)))
    return 1 if problems else 0
