"""Airflow UI plugin: the "Alertas Rápidas" page, native in the Airflow UI (a React app).

Adds to the API server a FastAPI app under `/alertas` (`alertas_rapidas.ui.app`: the page's JSON
and its JavaScript bundle), and to the UI three `react_apps` rendered by the UI itself (its theme,
time zone and language, links that navigate): the page in the Browse menu, an "Alertas" tab on
every DAG (that family's) and on every DAG run (that run's summary, problems and messages). The
bundle is built from `alertas_rapidas/ui/react/` (`make ui-build`). Also the unsubscribe endpoint
of recurring alerts under `/alertas-unsubscribe` (no login: the signed token is the
authorisation; `alertas_rapidas.ui.unsubscribe`). And a listener that notes every dry or
redirected run in its DAG-run note (`alertas_rapidas.run_notes`, in the scheduler).

Every Airflow component loads the plugins folder, so this module stays light: the page's app
(FastAPI, Jinja2, the ledger queries) is imported on its first request, in the API server only.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from airflow.plugins_manager import AirflowPlugin

from alertas_rapidas import run_notes
from alertas_rapidas.schedule.business_days import BusinessDaysTimetable
from alertas_rapidas.schedule.dealership_cron import DealershipCronTimetable

URL_PREFIX = "/alertas"
UNSUBSCRIBE_PREFIX = "/alertas-unsubscribe"
BUNDLE_URL = "alertas/static/alertas-ui.js"


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
    # `bundle_url` is relative to the UI's base URL (no leading slash), so a base path keeps working.
    # One bundle; a query string per view makes the UI load it once per view, each setting
    # `globalThis.AirflowPlugin` for the view that asked (the UI reads it right after loading).
    react_apps = [
        {
            "name": "Alertas Rápidas",
            "bundle_url": f"{BUNDLE_URL}?view=page",
            "url_route": "alertas",
            "destination": "nav",
            "category": "browse",
        },
        {
            "name": "Alertas",
            "bundle_url": f"{BUNDLE_URL}?view=dag",
            "url_route": "alertas-dag",
            "destination": "dag",
        },
        {
            "name": "Alertas",
            "bundle_url": f"{BUNDLE_URL}?view=run",
            "url_route": "alertas-run",
            "destination": "dag_run",
        },
    ]
