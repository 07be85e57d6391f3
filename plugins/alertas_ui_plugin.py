"""Airflow UI plugin: the "Alertas Rápidas" page (ledger counts per family and day, last runs).

Adds to the API server a FastAPI app under `/alertas` (page code in `alertas_rapidas.ui`), a
"Alertas Rápidas" entry in the UI's Browse menu, and an "Alertas summary" tab on every DAG run; a
listener that notes every dry or redirected run in its DAG-run note (`alertas_rapidas.run_notes`,
in the scheduler); and the unsubscribe endpoint of recurring alerts under `/alertas-unsubscribe`
(no login: the signed token is the authorisation; `alertas_rapidas.ui.unsubscribe`).

Every Airflow component loads the plugins folder, so this module stays light: the page's app
(FastAPI, Jinja2, the ledger queries) is imported on its first request, in the API server only.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from airflow.plugins_manager import AirflowPlugin

from alertas_rapidas import run_notes
from alertas_rapidas.business_days import BusinessDaysTimetable
from alertas_rapidas.dealership_cron import DealershipCronTimetable

URL_PREFIX = "/alertas"
UNSUBSCRIBE_PREFIX = "/alertas-unsubscribe"


class LazyApp:
    """An ASGI app that builds the real one (`module:factory`) on its first request."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            module, factory = self.target.split(":")
            self._app = getattr(import_module(module), factory)()
        await self._app(scope, receive, send)


class AlertasRapidasUIPlugin(AirflowPlugin):
    name = "alertas_rapidas_ui"
    # The scheduler rebuilds a DAG's custom timetable only from classes a plugin registers.
    timetables = [BusinessDaysTimetable, DealershipCronTimetable]
    # The scheduler marks a dry or redirected run in its note when it starts (run_notes.py).
    listeners = [run_notes]
    fastapi_apps = [
        {
            "app": LazyApp("alertas_rapidas.ui.app:create_app"),
            "url_prefix": URL_PREFIX,
            "name": "Alertas Rápidas",
        },
        {
            "app": LazyApp("alertas_rapidas.ui.unsubscribe:create_app"),
            "url_prefix": UNSUBSCRIBE_PREFIX,
            "name": "Alertas Rápidas unsubscribe",
        },
    ]
    # `href` is relative to the UI's base URL (no leading slash), so a base path keeps working.
    external_views = [
        {
            "name": "Alertas Rápidas",
            "href": "alertas/",
            "url_route": "alertas",
            "destination": "nav",
            "category": "browse",
        },
        {
            "name": "Alertas summary",
            "href": "alertas/run?dag_id={DAG_ID}&run_id={RUN_ID}",
            "url_route": "alertas-run",
            "destination": "dag_run",
        },
    ]
