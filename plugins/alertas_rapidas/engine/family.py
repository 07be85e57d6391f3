"""A configured family as the `FamilyDefinition` the DAG factory and the tools run.

Queries: `rows` (the main SQL), one per detail, and the engine's own `_employees` (when a
recipient rule names staff) and `_dealership` (the name that signs the mail). Parameters: every
setting by its name, plus the run's values (`run_date`, `at`, `window_start`, `window_end`,
`timezone`, `iso_week`, `month`, `year`), all bound by psycopg, never formatted into the SQL.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from alertas_rapidas.connections import ALERTS_CONN_ID
from alertas_rapidas.engine.settings import sql_value
from alertas_rapidas.engine.spec import AlertSpec
from alertas_rapidas.families import FamilyDefinition, get_family
from alertas_rapidas.paths import PROJECT_ROOT
from alertas_rapidas.schedule.run_time import RunTime

EMPLOYEES_SQL = "_engine/employees.sql"
DEALERSHIP_SQL = "_engine/dealership.sql"


def sql_params(settings: BaseModel, run: RunTime) -> dict[str, Any]:
    """Every setting and every run value, as bound parameters."""
    params: dict[str, Any] = {
        name: sql_value(getattr(settings, name)) for name in type(settings).model_fields
    }
    params.update(
        run_date=run.run_date,
        at=run.at,
        window_start=run.window_start,
        window_end=run.window_end,
        timezone=run.timezone,
        **run.calendar_values(),
    )
    return params


def queries(alert: AlertSpec) -> dict[str, str]:
    named = {"rows": alert.rows.sql, **{name: d.sql for name, d in alert.rows.details.items()}}
    named |= {name: lookup.sql for name, lookup in alert.rows.lookups.items()}
    if alert.uses_staff:
        named["_employees"] = EMPLOYEES_SQL
    named["_dealership"] = DEALERSHIP_SQL
    return named


def configured_family(
    key: str, alert: AlertSpec, settings_model: type[BaseModel], project_root: Path | None = None
) -> FamilyDefinition:
    """The FamilyDefinition of the configured family whose implementation (templates folder) is `key`.

    A family kept in a project of its own (`<project>/dags/families/<key>.yaml`, beside
    `<project>/sql/` and `<project>/include/templates/`) finds its SQL and templates there first,
    then in the package (shared layouts, the engine's own queries).
    """
    named = queries(alert)
    roots: tuple[str, ...] = ()
    if project_root is not None and project_root.resolve() != PROJECT_ROOT.resolve():
        named = {name: _local(project_root / "sql", sql) for name, sql in named.items()}
        roots = (str(project_root / "include" / "templates"),)

    connections = {"rows": ALERTS_CONN_ID} if alert.rows.database == "alerts" else {}
    connections |= {n: ALERTS_CONN_ID for n, d in alert.rows.details.items() if d.database == "alerts"}
    connections |= {n: ALERTS_CONN_ID for n, q in alert.rows.lookups.items() if q.database == "alerts"}
    transform: Any = alert.transform or functools.partial(_build_plan, spec=alert)
    return FamilyDefinition(
        key=key,
        settings_model=settings_model,
        queries=named,
        sql_params=sql_params,
        transform=transform,
        connections=connections,
        parents={name: ("rows", detail.key) for name, detail in alert.rows.details.items()},
        lookups=tuple(alert.rows.lookups),
        reads_history=alert.repeats and not alert.transform,
        template_roots=roots,
    )


def _project_root(source: Path | None) -> Path | None:
    """`<project>` of a family file at `<project>/dags/families/<key>.yaml`, else None."""
    if source is None:
        return None
    families = source.resolve().parent
    if families.name != "families" or families.parent.name != "dags":
        return None
    return families.parent.parent


def _build_plan(frames: Any, settings: BaseModel, run: RunTime, **options: Any) -> Any:
    """The engine's transform, imported when a task runs it: pandas stays out of DAG parsing."""
    from alertas_rapidas.engine.planner import build_plan

    return build_plan(frames, settings, run, **options)


def _local(sql_dir: Path, relative: str) -> str:
    """The project's own copy of a SQL file when it has one (absolute), else the package's."""
    own = sql_dir / relative
    return str(own) if own.exists() else relative


def family_for(config: Any) -> FamilyDefinition:
    """The family a validated config runs: its `alert:` block, or the Python module."""
    if config.alert is None:
        return get_family(config.implementation)
    from alertas_rapidas.engine.settings import settings_model

    model = settings_model(config.implementation, config.alert.settings)
    project_root = _project_root(config.source)
    return configured_family(config.implementation, config.alert, model, project_root)


def parse_history(
    rows: list[tuple[str, str, date | datetime | None]],
) -> dict[tuple[str, str], tuple[int, date]]:
    """Sent ledger rows (recipient_ref, business_key, run_date) as the repeat history: per
    recipient and key without its '#n' mark, how many were sent and the last run date."""
    history: dict[tuple[str, str], tuple[int, date]] = {}
    for ref, business_key, run_date in rows:
        if run_date is None:
            continue
        day = run_date.date() if isinstance(run_date, datetime) else run_date
        base = business_key.split("#", 1)[0]
        count, last = history.get((ref, base), (0, day))
        history[(ref, base)] = (count + 1, max(last, day))
    return history
