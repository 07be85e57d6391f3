"""Configuration errors fail a task at once; everything else is left to Airflow's retries.

A missing connection, an unreadable template or a missing SQL file will not fix itself in five
minutes: retrying only delays the failure. Such an error becomes an `AirflowFailException` (no
retries) with one line naming what to fix. Transient errors (the DMS or the ledger unreachable,
an SMTP 4xx, connection refused) are raised as they are, so the task retries.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager


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
        if isinstance(error, AirflowNotFoundException):
            return f"{error}: define the connection (Admin > Connections or AIRFLOW_CONN_<ID>)"
        if isinstance(error, jinja2.TemplateNotFound):
            return f"template {error.name!r} not found"
        if isinstance(error, jinja2.TemplateSyntaxError):
            where = f"{error.filename or error.name or 'template'}, line {error.lineno}"
            return f"template error in {where}: {error.message}"
        if isinstance(error, FileNotFoundError | PermissionError | IsADirectoryError):
            name = error.filename or ""
            if str(name).endswith((".sql", ".html", ".txt", ".j2", ".yaml", ".yml")):
                return f"cannot read {name}: {error.strerror or type(error).__name__}"
    return None


@contextmanager
def fail_fast_on_configuration_errors(step: str) -> Generator[None, None, None]:
    """Around a task's body: a configuration error fails the task without retries."""
    try:
        yield
    except Exception as exc:
        problem = configuration_problem(exc)
        if problem is None:
            raise
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"{step}: configuration error, not retried: {problem}") from None
