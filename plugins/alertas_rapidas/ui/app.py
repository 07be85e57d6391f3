"""The page's FastAPI app: the JSON the Alertas page (a React app in the Airflow UI) reads, and
the page's JavaScript bundle.

Routes, under the plugin's `url_prefix` (`/alertas`):

- `GET /static/alertas-ui.js`: the built bundle the UI loads (`react_apps` of the plugin);
- `GET /`: sends a browser to the page in the Airflow UI (`/plugin/alertas`);
- read runs: `GET /api/session` (what the user may do, the families), `GET /api/overview`
  (ledger counts per family and day, last runs, unsubscribes, Airflow's runs; `family`, `from`,
  `to`), `GET /api/run` (one run's summary, message counts and failure causes: `dag_id`, `run_id`);
- trigger runs: `GET /api/messages` (the message search), `GET /api/messages/eml`, `GET
  /api/preview`, `GET /api/preview/file`, `POST /api/test-message`, `POST /api/mail-server/check`;
- read connections: `GET /api/connections`;
- the Settings tab (`settings_view`): `GET /api/settings` (read runs: a family's values, state and
  history), `POST /api/settings/preview` (trigger runs: the next run under proposed values), `POST
  /api/settings/change`, `/api/settings/revert` and `/api/settings/switch` (edit the family's DAG).

Who may call what is `access`'s; every answer is `Cache-Control: no-store`.
"""

# No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations, and
# the dependency types are made inside `create_app` (string annotations could not be resolved).

import logging
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Query
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from alertas_rapidas.ui import overview as overview_data
from alertas_rapidas.ui.access import NEEDS_CONNECTIONS, NEEDS_EDIT, NEEDS_TRIGGER, Access, readable_refusal
from alertas_rapidas.ui.queries import DAG_ID_PATTERN, MAX_RUN_ID, FilterError, Filters

log = logging.getLogger(__name__)

BUNDLE = Path(__file__).resolve().parent / "static" / "alertas-ui.js"
NO_STORE = {"Cache-Control": "no-store"}
NEEDS = {
    "session": "the permission to read DAG runs",
    "overview": "the permission to read DAG runs",
    "run": "the permission to read DAG runs",
    "connections": NEEDS_CONNECTIONS,
    "settings": "the permission to read DAG runs",
    "settings/preview": NEEDS_TRIGGER,
    "settings/change": NEEDS_EDIT,
    "settings/revert": NEEDS_EDIT,
    "settings/switch": NEEDS_EDIT,
}


def answer(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status_code, headers=NO_STORE)


def refused(errors: list[str], status_code: int = 400) -> JSONResponse:
    """A request the page refuses: one line per problem, and the first as `detail`."""
    return answer({"detail": errors[0], "errors": errors}, status_code)


def create_app(access: Access | None = None) -> FastAPI:
    """The app the plugin mounts; `access` defaults to the API server's own checks."""
    access = access or Access.airflow()
    Permissions = Annotated[dict[str, Any], Depends(access.permissions)]  # a dependency type
    reading = APIRouter(prefix="/api", dependencies=[Depends(access.read)])
    acting = APIRouter(prefix="/api", dependencies=[Depends(access.read), Depends(access.trigger)])

    @reading.get("/session")
    def session(permissions: Permissions) -> JSONResponse:
        from alertas_rapidas.ledger.retention import retention_days
        from alertas_rapidas.ui.families import families

        return answer(
            permissions
            | {
                "families": [info.to_dict() for info in families()],
                "retention_days": retention_days(),
            }
        )

    @reading.get("/overview")
    def overview(
        family: str | None = Query(None, max_length=100),
        date_from: str | None = Query(None, alias="from", max_length=20),
        date_to: str | None = Query(None, alias="to", max_length=20),
    ) -> JSONResponse:
        from alertas_rapidas.ui.families import family_keys

        try:
            filters = Filters.parse(family, date_from, date_to)
        except FilterError as exc:
            return refused(exc.errors)
        if filters.family and filters.family not in family_keys():
            return refused(
                [f"family: no family {filters.family!r} (dags/families/*.yaml); pick one from the list"]
            )
        data, status = overview_data.overview(filters)
        return answer(data, status)

    @reading.get("/run")
    def run(
        dag_id: str = Query(..., max_length=250),
        run_id: str = Query(..., max_length=MAX_RUN_ID),
    ) -> JSONResponse:
        if not DAG_ID_PATTERN.fullmatch(dag_id):
            return refused(["dag_id: not a DAG id"])
        data, status = overview_data.run_detail(dag_id, run_id)
        return answer(data, status)

    @acting.get("/messages")
    def messages(
        permissions: Permissions,
        q: str | None = Query(None, max_length=400),
        family: str | None = Query(None, max_length=100),
        date_from: str | None = Query(None, alias="from", max_length=20),
        date_to: str | None = Query(None, alias="to", max_length=20),
        dag_id: str | None = Query(None, max_length=250),
        run_id: str | None = Query(None, max_length=MAX_RUN_ID),
    ) -> JSONResponse:
        from alertas_rapidas.ledger.tables import ledger_exists
        from alertas_rapidas.ui import queries, search

        try:
            query = search.MessageQuery.parse(q, family, date_from, date_to, dag_id, run_id)
        except FilterError as exc:
            return refused(exc.errors)
        try:
            with queries.read_only_connection() as conn:
                rows = search.search(conn, query) if ledger_exists(conn) else []
        except FilterError as exc:
            return refused(exc.errors)
        except Exception as exc:
            log.exception("Alertas message search: cannot read the ledger")
            return refused([overview_data.unavailable(exc)], 503)
        search.log_search(permissions["user"], query, len(rows))
        found, checked = [], 0
        for row in rows:
            eml = None  # not looked up: not sent, or past the first EML_CHECKS sent ones
            if row["status"] == "sent" and checked < search.EML_CHECKS:
                checked += 1
                eml = search.has_eml(row)
            found.append(search.message_json(row, eml))
        return answer({"kind": query.kind, "limit": search.MAX_ROWS, "messages": found})

    @acting.get("/messages/eml")
    def message_eml(permissions: Permissions, key: str = Query(..., max_length=64)) -> Response:
        from alertas_rapidas.ledger.tables import ledger_exists
        from alertas_rapidas.ui import queries, search

        with queries.read_only_connection() as conn:
            row = search.find_message(conn, key) if ledger_exists(conn) else None
        data = search.eml_bytes(row) if row is not None and search.has_eml(row) else None
        if data is None:
            return refused(["This message's .eml is no longer kept (its run folder was removed)."], 404)
        log.info("Alertas .eml of message %s opened by %s", key[:12], permissions["user"])
        return Response(
            data,
            media_type="message/rfc822",
            headers=NO_STORE | {"Content-Disposition": f'attachment; filename="{key[:16]}.eml"'},
        )

    @acting.get("/preview")
    def preview(
        permissions: Permissions,
        family: str = Query("", max_length=100),
        day: str = Query("", alias="date", max_length=20),
        from_time: str | None = Query(None, max_length=5),
        to_time: str | None = Query(None, max_length=5),
    ) -> JSONResponse:
        from alertas_rapidas.authoring.preview import PreviewError
        from alertas_rapidas.ui import preview_view

        parsed = _preview_request(family, day, from_time, to_time)
        if isinstance(parsed, JSONResponse):
            return parsed
        run_date, window = parsed
        try:
            data = preview_view.run_preview(family, run_date, window)
        except PreviewError as exc:
            return refused([str(exc)], 422)
        except Exception as exc:
            log.exception("Alertas Rápidas preview of %s failed", family)
            return refused([f"The preview failed: {type(exc).__name__}; see the API server's log."], 503)
        log.info(
            "Alertas preview by %s: %s for %s, %d message(s)",
            permissions["user"],
            family,
            run_date,
            len(data["messages"]),
        )
        return answer(data)

    @acting.get("/preview/file")
    def preview_file(
        family: str = Query(..., max_length=100),
        day: str = Query(..., alias="date", max_length=20),
        name: str = Query(..., max_length=220),
    ) -> Response:
        from alertas_rapidas.ui import preview_view
        from alertas_rapidas.ui.families import family_keys

        try:
            run_date = date.fromisoformat(day)
        except ValueError:
            run_date = None
        path = (
            preview_view.attachment_path(family, run_date, name)
            if run_date and family in family_keys()
            else None
        )
        if path is None:
            return refused(["No such preview file: preview the family and date again."], 404)
        inline = preview_view.INLINE_TYPES.get(path.suffix)
        return FileResponse(
            path,
            filename=name.split("-", 1)[1],
            media_type=inline,
            content_disposition_type="inline" if inline else "attachment",
            headers=NO_STORE,
        )

    @acting.post("/test-message")
    def test_message(body: Annotated[dict[str, Any], Body()], permissions: Permissions) -> JSONResponse:
        from alertas_rapidas.authoring.preview import PreviewError
        from alertas_rapidas.ui import preview_view

        parsed = _preview_request(
            str(body.get("family") or ""),
            str(body.get("date") or ""),
            body.get("from_time"),
            body.get("to_time"),
        )
        if isinstance(parsed, JSONResponse):
            return parsed
        run_date, window = parsed
        number, to = body.get("number", 1), str(body.get("to") or "").strip()
        if not isinstance(number, int) or isinstance(number, bool):
            return refused(["number: the message's number in the preview (1, 2, ...)"])
        if not to or len(to) > 254:
            return refused(["to: the address to send the test to"])
        try:
            data = preview_view.send_test(
                str(body["family"]), run_date, window, number, to, permissions["user"]
            )
        except ValueError as exc:
            return refused([str(exc)])
        except PreviewError as exc:
            return refused([str(exc)], 422)
        except Exception as exc:
            log.exception("Alertas test message of %s failed", body.get("family"))
            return refused([f"The test message failed: {type(exc).__name__}; see the API server's log."], 503)
        return answer(data, 200 if data["sent"] else 502)

    @acting.post("/mail-server/check")
    def mail_server_check(permissions: Permissions) -> JSONResponse:
        from alertas_rapidas.connections import SMTP_CONN_ID
        from alertas_rapidas.ui.mail_server import check_mail_server

        return answer(check_mail_server(SMTP_CONN_ID, permissions["user"]))

    Editor = Annotated[Any, Depends(access.editor)]  # can_edit(dag_id) -> bool

    @reading.get("/settings")
    def settings(
        permissions: Permissions, editor: Editor, family: str = Query("", max_length=100)
    ) -> JSONResponse:
        from alertas_rapidas.ui import settings_view

        if (refusal := _unknown_family(family)) is not None:
            return refusal
        return _settings_call(
            family,
            lambda: settings_view.settings_json(
                family, reveal=bool(permissions["can_trigger"]), can_edit=editor(f"alert_{family}")
            ),
        )

    @acting.post("/settings/preview")
    def settings_preview(body: Annotated[dict[str, Any], Body()], permissions: Permissions) -> JSONResponse:
        from alertas_rapidas.ui import settings_view

        family = str(body.get("family") or "")
        if (refusal := _unknown_family(family)) is not None:
            return refusal
        log.info("Alertas settings preview by %s: %s", permissions["user"], family)
        return _settings_call(family, lambda: settings_view.preview(family, body))

    def editing(action: str) -> Any:
        def endpoint(
            body: Annotated[dict[str, Any], Body()], permissions: Permissions, editor: Editor
        ) -> JSONResponse:
            from alertas_rapidas.ui import settings_view

            family = str(body.get("family") or "")
            if (refusal := _unknown_family(family)) is not None:
                return refusal
            if not editor(f"alert_{family}"):
                raise HTTPException(403, "Forbidden")
            work = getattr(settings_view, action)
            return _settings_call(family, lambda: work(family, body, permissions["user"]))

        return endpoint

    for path, action in (("change", "save"), ("revert", "revert"), ("switch", "switch")):
        reading.add_api_route(f"/settings/{path}", editing(action), methods=["POST"])

    connections_router = APIRouter(prefix="/api", dependencies=[Depends(access.connections)])

    @connections_router.get("/connections")
    def connections() -> JSONResponse:
        from alertas_rapidas.ui.connections_view import connections as described

        return answer({"connections": described()})

    app = FastAPI(
        title="Alertas Rápidas",
        description="The Alertas page's data (counts, runs, message search, preview).",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_exception_handler(HTTPException, readable_refusal(NEEDS | {"": NEEDS_TRIGGER}))

    @app.get("/static/alertas-ui.js", include_in_schema=False)
    def bundle() -> Response:
        if not BUNDLE.is_file():
            return Response("// the Alertas page bundle is not built: make ui-build", status_code=404)
        return FileResponse(BUNDLE, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    @app.get("/", include_in_schema=False)
    def to_the_page() -> RedirectResponse:
        return RedirectResponse("../plugin/alertas", status_code=307)

    app.include_router(reading)
    app.include_router(acting)
    app.include_router(connections_router)
    return app


def _unknown_family(family: str) -> JSONResponse | None:
    from alertas_rapidas.ui.families import family_keys

    if family in family_keys():
        return None
    return refused([f"family: no family {family!r} (dags/families/*.yaml); pick one from the list"])


def _settings_call(family: str, work: Any) -> JSONResponse:
    """Run a Settings tab call: its answer, its refusal, or one line when the ledger or the family
    file cannot be read."""
    from alertas_rapidas.config import FamilyConfigError
    from alertas_rapidas.ui.settings_view import Refused

    try:
        return answer(work())
    except Refused as exc:
        return answer(exc.data, exc.status)
    except FamilyConfigError as exc:
        return refused([line.strip() for line in str(exc).splitlines() if line.strip()], 422)
    except Exception as exc:
        log.exception("Alertas settings of %s failed", family)
        return refused([overview_data.unavailable(exc)], 503)


def _preview_request(family: str, day: str, from_time: Any, to_time: Any) -> tuple[date, Any] | JSONResponse:
    """The family, date and window of a preview or test message, or the refusal saying why not."""
    from alertas_rapidas.ui.families import family_keys
    from alertas_rapidas.ui.preview_view import Window

    keys = family_keys()
    errors = []
    if family not in keys:
        errors.append(f"family: pick one of the {len(keys)} families")
    run_date = None
    try:
        run_date = date.fromisoformat(day)
    except ValueError:
        errors.append("date: a date written YYYY-MM-DD (1 November 2026 is 2026-11-01)")
    window = None
    try:
        window = Window.parse(
            from_time if isinstance(from_time, str) else None, to_time if isinstance(to_time, str) else None
        )
    except ValueError as exc:
        errors.append(str(exc))
    if errors or run_date is None:
        return refused(errors)
    return run_date, window
