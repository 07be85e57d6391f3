"""The page's FastAPI app: server-rendered HTML (Jinja2, autoescaped), counts only.

Routes (under the plugin's `url_prefix`, `/alertas`):

- `GET /` the ledger's counts per family and day, and the last runs; query parameters `family`,
  `from`, `to` (YYYY-MM-DD, inclusive) filter both.
- `GET /run?dag_id=...&run_id=...` one run's summary: the "Alertas summary" tab of a DAG run.

Both need a logged-in user who may read DAG runs (the API server's auth manager, through its
`_token` cookie or an `Authorization: Bearer` header), like the rest of the UI.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from alertas_rapidas.ui import queries
from alertas_rapidas.ui.queries import DAG_ID_PATTERN, MAX_RUN_ID, FilterError, Filters

log = logging.getLogger(__name__)

_templates = Environment(
    loader=PackageLoader("alertas_rapidas.ui", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["utc"] = lambda value: (
    value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else ""
)


def read_runs() -> Any:
    """The API server's check that the user may read DAG runs (all DAGs, or `dag_id`'s)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag

    return requires_access_dag(method="GET", access_entity=DagAccessEntity.RUN)


def render(template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    html = _templates.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def create_app(authorize: Any = None) -> FastAPI:
    """The app the plugin mounts. `authorize` is the access check (default: `read_runs()`)."""
    authorize = authorize if authorize is not None else read_runs()
    router = APIRouter(dependencies=[Depends(authorize)])

    @router.get("/", response_class=HTMLResponse)
    def overview(
        family: str | None = Query(None, max_length=100),
        date_from: str | None = Query(None, alias="from", max_length=20),
        date_to: str | None = Query(None, alias="to", max_length=20),
    ) -> HTMLResponse:
        values: dict[str, Any] = {
            "form": {"family": family or "", "from": date_from or "", "to": date_to or ""},
            "families": [],
            "days": [],
            "runs": [],
            "errors": [],
            "ledger": True,
            "limits": {"days": queries.DAY_ROWS, "runs": queries.RUN_ROWS},
        }
        try:
            filters = Filters.parse(family, date_from, date_to)
        except FilterError as exc:
            return render("overview.html", status_code=400, **(values | {"errors": exc.errors}))
        try:
            with queries.read_only_connection() as conn:
                if queries.ledger_exists(conn):
                    values["families"] = queries.known_families(conn)
                    values["days"] = queries.day_counts(conn, filters)
                    values["runs"] = queries.last_runs(conn, filters)
                    values["unsubscribes"] = queries.unsubscribe_counts(conn, filters)
                else:
                    values["ledger"] = False
        except Exception as exc:
            log.exception("Alertas Rápidas page: cannot read the ledger")
            return render("overview.html", status_code=503, **(values | {"errors": [unavailable(exc)]}))
        return render("overview.html", **values)

    @router.get("/run", response_class=HTMLResponse)
    def run_summary(
        dag_id: str = Query(..., max_length=250),
        run_id: str = Query(..., max_length=MAX_RUN_ID),
    ) -> HTMLResponse:
        if not DAG_ID_PATTERN.fullmatch(dag_id):
            return render("run.html", status_code=400, errors=["dag_id: not a DAG id"], run=None)
        try:
            with queries.read_only_connection() as conn:
                run = queries.run_of(conn, dag_id, run_id) if queries.ledger_exists(conn) else None
        except Exception as exc:
            log.exception("Alertas Rápidas run summary: cannot read the ledger")
            return render("run.html", status_code=503, errors=[unavailable(exc)], run=None)
        if run is None:
            return render("run.html", run=None, dag_id=dag_id, run_id=run_id, errors=[])
        from alertas_rapidas.summary import format_summary

        try:
            text = "\n".join(format_summary(run.summary))
        except (KeyError, TypeError):  # a summary written by an older version
            text = ""
        return render("run.html", run=run, text=text, errors=[])

    app = FastAPI(
        title="Alertas Rápidas",
        description="Ledger counts per family and day, and the last runs (counts only).",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(router)
    return app


def unavailable(exc: Exception) -> str:
    return f"The ledger database (connection alerts_postgres) cannot be read: {type(exc).__name__}."
