"""The page's FastAPI app: server-rendered HTML (Jinja2, autoescaped), counts only.

Routes (under the plugin's `url_prefix`, `/alertas`):

- `GET /` the ledger's counts per family and day, and the last runs; query parameters `family`,
  `from`, `to` (YYYY-MM-DD, inclusive) filter both.
- `GET /run?dag_id=...&run_id=...` one run's summary: the "Alertas summary" tab of a DAG run.
- `GET /preview?family=...&date=...` what a family would send for a date (a dry run: nothing sent,
  ledger untouched): recipients, subject, HTML body, attachments (`GET /preview/file`).

All need a logged-in user who may read DAG runs (the API server's auth manager, through its
`_token` cookie or an `Authorization: Bearer` header), like the rest of the UI; the preview also
needs the right to trigger DAG runs (it reads the DMS and renders real customers' mail).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import FileResponse, HTMLResponse

from alertas_rapidas.ui import queries
from alertas_rapidas.ui.page_templates import page_templates
from alertas_rapidas.ui.queries import DAG_ID_PATTERN, MAX_RUN_ID, FilterError, Filters

log = logging.getLogger(__name__)

_templates = page_templates()
_templates.filters["utc"] = lambda value: (
    value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else ""
)


def read_runs() -> Any:
    """The API server's check that the user may read DAG runs (all DAGs, or `dag_id`'s)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag

    return requires_access_dag(method="GET", access_entity=DagAccessEntity.RUN)


def trigger_runs() -> Any:
    """The API server's check that the user may trigger DAG runs: the preview's permission."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag

    return requires_access_dag(method="POST", access_entity=DagAccessEntity.RUN)


def family_files() -> list[str]:
    """The families this deployment has (dags/families/*.yaml), for the filters and the preview."""
    from alertas_rapidas.paths import FAMILIES_DIR

    return sorted(p.stem for p in FAMILIES_DIR.glob("*.yaml") if not p.stem.startswith("_"))


def airflow_runs_of(family: str | None) -> tuple[list[Any], str | None]:
    """Airflow's runs of the alert DAGs, or an error line when its database cannot be read."""
    from alertas_rapidas.ui.airflow_runs import alert_runs

    try:
        return alert_runs(family), None
    except Exception as exc:
        log.exception("Alertas Rápidas page: cannot read Airflow's runs")
        return [], f"Airflow's run list cannot be read: {type(exc).__name__}."


def render(template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    html = _templates.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def create_app(authorize: Any = None, authorize_preview: Any = None) -> FastAPI:
    """The app the plugin mounts. `authorize` is the access check (default: `read_runs()`),
    `authorize_preview` the preview's (default: `trigger_runs()`, or `authorize` when given)."""
    if authorize_preview is None:
        authorize_preview = authorize if authorize is not None else trigger_runs()
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
            "ledger_error": False,
            "airflow_runs": [],
            "preview": {"family": family or "", "date": date_to or date_from or ""},
            "limits": {"days": queries.DAY_ROWS, "runs": queries.RUN_ROWS},
        }
        all_families = family_files()
        values["families"] = all_families
        try:
            filters = Filters.parse(family, date_from, date_to)
        except FilterError as exc:
            return render(
                "overview.html", status_code=400, **(values | {"errors": exc.errors, "filter_error": True})
            )
        if filters.family and filters.family not in all_families:
            error = f"family: no family {filters.family!r} (dags/families/*.yaml); pick one from the list"
            return render(
                "overview.html", status_code=400, **(values | {"errors": [error], "filter_error": True})
            )
        runs, airflow_error = airflow_runs_of(filters.family)
        status = 200
        try:
            with queries.read_only_connection() as conn:
                if queries.ledger_exists(conn):
                    values["days"] = queries.day_counts(conn, filters)
                    values["runs"] = queries.last_runs(conn, filters)
                    values["unsubscribes"] = queries.unsubscribe_counts(conn, filters)
                    summaries = summaries_of(conn, runs)
                else:
                    values["ledger"] = False
                    summaries = {}
        except Exception as exc:
            log.exception("Alertas Rápidas page: cannot read the ledger")
            values["errors"].append(unavailable(exc))
            values["ledger_error"] = True
            summaries, status = {}, 503
        values["airflow_error"] = airflow_error
        values["airflow_runs"] = [
            {"airflow": run, "ledger": summaries.get((run.dag_id, run.run_id))} for run in runs
        ]
        return render("overview.html", status_code=status, **values)

    @router.get("/preview", response_class=HTMLResponse, dependencies=[Depends(authorize_preview)])
    def preview_page(
        family: str = Query("", max_length=100),
        day: str = Query("", alias="date", max_length=20),
    ) -> HTMLResponse:
        from alertas_rapidas.authoring.preview import PreviewError
        from alertas_rapidas.ui import preview_view

        form = {"family": family, "date": day}
        values: dict[str, Any] = {"form": form, "families": family_files(), "messages": [], "line": ""}
        errors = []
        if family not in values["families"]:
            errors.append(f"family: pick one of the {len(values['families'])} families")
        try:
            run_date = date.fromisoformat(day)
        except ValueError:
            errors.append("date: a date written YYYY-MM-DD (1 November 2026 is 2026-11-01)")
        if errors:
            status = 400 if (family or day) else 200
            return render(
                "preview.html", status_code=status, errors=errors if status == 400 else [], **values
            )
        try:
            line, messages = preview_view.run_preview(family, run_date)
        except PreviewError as exc:
            return render("preview.html", status_code=422, errors=[str(exc)], **values)
        except Exception as exc:
            log.exception("Alertas Rápidas preview of %s failed", family)
            error = f"the preview failed: {type(exc).__name__}; see the API server's log"
            return render("preview.html", status_code=503, errors=[error], **values)
        return render("preview.html", errors=[], **(values | {"messages": messages, "line": line}))

    @router.get("/preview/file", dependencies=[Depends(authorize_preview)])
    def preview_file(
        family: str = Query(..., max_length=100),
        day: str = Query(..., alias="date", max_length=20),
        name: str = Query(..., max_length=220),
    ) -> Any:
        from alertas_rapidas.ui import preview_view

        try:
            run_date = date.fromisoformat(day)
        except ValueError:
            run_date = None
        path = (
            preview_view.attachment_path(family, run_date, name)
            if run_date and family in family_files()
            else None
        )
        if path is None:
            return HTMLResponse("No such preview file: preview the family and date again.", status_code=404)
        return FileResponse(path, filename=name.split("-", 1)[1], headers={"Cache-Control": "no-store"})

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


def summaries_of(conn: Any, runs: list[Any]) -> dict[tuple[str, str], Any]:
    """The ledger's run-log rows of these Airflow runs, by (dag id, run id)."""
    if not runs:
        return {}
    rows = conn.execute(
        """
        select dag_id, run_id, family, run_date, finished_at, dry_run, summary
          from alerts.runs
         where run_id = any(%s) and dag_id = any(%s)
        """,
        (list({r.run_id for r in runs}), list({r.dag_id for r in runs})),
    ).fetchall()
    return {(row[0], row[1]): queries.RunRow(*row) for row in rows}


def unavailable(exc: Exception) -> str:
    return f"The ledger database (connection alerts_postgres) cannot be read: {type(exc).__name__}."
