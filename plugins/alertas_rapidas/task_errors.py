"""Why a task failed, in one line, carried to the people who act; configuration errors fail at once.

Every task body runs inside `recording_failures(step, context)`. When it raises:

- the error becomes **one line** a person can act on, with no personal data (`failure_cause`):
  "extract: cannot connect to the DMS through dms_postgres (connection refused)", "render:
  template recall_owner_notice/body.html, line 7: 'campaing' is undefined";
- that line is stored in the ledger (`ledger.task_failures`) for the task instance (best effort: with the
  ledger down it is only logged), where `summarize` (run summary and failure notice), `ops runs`
  and the Alertas page read it;
- a **configuration error** (missing connection, Variable, template or SQL file, a template or SQL
  mistake, an unbound SQL parameter) becomes an `AirflowFailException`: retrying in five minutes
  cannot fix it, so the task fails on its first try. Anything else (the DMS or the ledger
  unreachable, an SMTP 4xx, a timeout) is raised as it is, and Airflow retries the task.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alertas_rapidas.ledger.task_failures import TaskFailure

log = logging.getLogger(__name__)

MAX_CAUSE = 300
_ADDRESS = re.compile(r"[^\s<>(),;:\"'\[\]]+@[^\s<>(),;:\"'\[\]]+")


class ConfigurationError(RuntimeError):
    """A problem retrying cannot fix; its message is the one line that says what to change."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and those it was raised from or while handling (`from None` included)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def configuration_problem(exc: BaseException) -> str | None:
    """One line saying what is misconfigured, or None when `exc` may be transient."""
    import jinja2
    from airflow.sdk.exceptions import AirflowNotFoundException

    for error in _chain(exc):
        if isinstance(error, ConfigurationError):
            return str(error)
        if isinstance(error, AirflowNotFoundException):
            return f"{error}: define the connection (Admin > Connections or AIRFLOW_CONN_<ID>)"
        if _is_missing_variable(error):
            return (
                f"{_first_line(error)}: define the Airflow Variable (Admin > Variables or AIRFLOW_VAR_<NAME>)"
            )
        if isinstance(error, jinja2.TemplateNotFound):
            return f"template {error.name!r} not found"
        if isinstance(error, jinja2.TemplateSyntaxError):
            where = f"{_template_name(error.filename or error.name)}, line {error.lineno}"
            return f"template error in {where}: {error.message}"
        if isinstance(error, jinja2.UndefinedError):
            frame = _template_frame(error)
            return f"template {frame}: {error.message}" if frame else f"template error: {error.message}"
        if isinstance(error, FileNotFoundError | PermissionError | IsADirectoryError):
            name = error.filename or ""
            if str(name).endswith((".sql", ".html", ".txt", ".j2", ".yaml", ".yml")):
                return f"cannot read {name}: {error.strerror or type(error).__name__}"
    return None


def failure_cause(step: str, exc: BaseException) -> str:
    """The one line stored and shown for a failed task: `step: what went wrong` (no addresses)."""
    problem = configuration_problem(exc)
    text = problem if problem is not None else _first_line(exc)
    text = _ADDRESS.sub("[address]", text)
    line = f"{step}: {text}"
    return line if len(line) <= MAX_CAUSE else line[: MAX_CAUSE - 1] + "…"


@contextmanager
def recording_failures(step: str, context: Any = None) -> Generator[None, None, None]:
    """Around a task's body: record the cause of a failure; fail a configuration error at once."""
    try:
        yield
    except Exception as exc:
        if getattr(exc, "flagged_run", False):  # summarize flagging the run: its problems say why
            raise
        problem = configuration_problem(exc)
        cause = failure_cause(_label(step, context), exc)
        if context is not None:
            record_failure(context, cause, configuration_error=problem is not None)
        if problem is None:
            raise
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"{step}: configuration error, not retried: {problem}") from None


def _label(step: str, context: Any) -> str:
    """The step as the summary names it: `render[3]` for the fourth batch of a mapped task."""
    ti = context.get("ti") if hasattr(context, "get") else None
    index = getattr(ti, "map_index", None)
    return f"{step}[{index}]" if isinstance(index, int) and index >= 0 else step


def record_failure(context: Any, cause: str, *, configuration_error: bool = False) -> None:
    """Store the cause for the task instance (its last failed try); only log it when the ledger
    cannot be reached."""
    ti = context.get("ti") if hasattr(context, "get") else None
    if ti is None:
        return
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger import task_failures
    from alertas_rapidas.ledger.deliveries import ledger_connection

    try:
        with ledger_connection(ALERTS_CONN_ID) as conn:
            task_failures.record(
                conn,
                dag_id=ti.dag_id,
                run_id=ti.run_id,
                task_id=ti.task_id,
                map_index=ti.map_index if ti.map_index is not None else -1,
                try_number=ti.try_number,
                cause=cause,
                configuration_error=configuration_error,
            )
    except Exception as exc:
        log.warning("The failure's cause could not be stored (%s): %s", type(exc).__name__, cause)


def failed_task_causes(conn: Any, dag_id: str, run_id: str, ti: Any = None) -> list[str]:
    """The cause lines of the run's tasks that failed for good. With `ti` (a running task of the
    run), Airflow's states say which failed: a task that failed a try and then succeeded is not
    listed. Without it, every stored cause is."""
    from alertas_rapidas.ledger import task_failures

    stored = task_failures.of_run(conn, dag_id, run_id)
    if ti is None or not stored:
        return [row["cause"] for row in stored]
    try:
        states = (ti.get_task_states(dag_id=dag_id, run_ids=[run_id]) or {}).get(run_id) or {}
    except Exception:  # Airflow cannot tell: show them all
        return [row["cause"] for row in stored]

    def state(row: TaskFailure) -> str | None:
        name = row["task_id"] if row["map_index"] < 0 else f"{row['task_id']}_{row['map_index']}"
        value = states.get(name)
        return str(getattr(value, "value", value)) if value is not None else None

    return [row["cause"] for row in stored if state(row) in (None, "failed", "upstream_failed")]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else ""
    return first or type(exc).__name__


def _is_missing_variable(error: BaseException) -> bool:
    """A Variable that is not defined: the Task SDK's VARIABLE_NOT_FOUND, or the model's KeyError."""
    code = getattr(getattr(error, "error", None), "error", None)
    return str(getattr(code, "value", code)) == "VARIABLE_NOT_FOUND"


def _template_name(filename: str | None) -> str:
    """A template's path as the family author knows it: relative to its `include/templates`
    folder (the package's, or a project's of its own)."""
    if not filename:
        return "template"
    parts = Path(filename).parts
    if "templates" in parts:
        return "/".join(parts[len(parts) - parts[::-1].index("templates") :])
    return str(filename)


def _template_frame(error: BaseException) -> str | None:
    """'<template>, line N' of the innermost template frame of the traceback (Jinja2 rewrites
    template frames to carry the template's file and line)."""
    found = None
    tb = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if (
            code.co_filename.endswith((".html", ".txt", ".j2", ".xml"))
            or "__jinja_template__" in tb.tb_frame.f_globals
        ):
            found = f"{_template_name(code.co_filename)}, line {tb.tb_lineno}"
        tb = tb.tb_next
    return found
