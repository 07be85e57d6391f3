"""Celery workers that start every task with the package and its libraries already imported.

A Celery worker forks a process for each task; whatever the worker imported before it forked its
pool, the task process has at no cost. Airflow's Celery executor preloads a few of its own modules
that way (its `import_modules` handler); this adds the modules an alert's tasks import (the
package, pandas, Arrow, reportlab, psycopg, the object-store filesystem), which otherwise cost every
render and deliver task about half a second before its first message (`make bench`, Celery rows).

Turn it on in every Airflow process's configuration (docker-compose.yaml does):

    AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=alertas_rapidas.celery_worker.CELERY_CONFIG

`CELERY_CONFIG` is Airflow's own Celery configuration, unchanged: importing this module is what
registers the preload, which runs in worker processes only. A worker keeps the package version it
started with for the modules below: restart the workers after deploying a new version of the
package (DAG files and family YAML are still read afresh by every task).
"""

from __future__ import annotations

import gc
import importlib
import logging
from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import import_modules

log = logging.getLogger(__name__)

CELERY_CONFIG: dict[str, Any] = DEFAULT_CELERY_CONFIG

# What an alert's tasks import, heaviest first. Optional libraries (the object-store filesystem,
# xhtml2pdf) are skipped when not installed.
PRELOADED = (
    "pandas",
    "pyarrow.parquet",
    "pyarrow.dataset",
    "reportlab.platypus",
    "xhtml2pdf.pisa",
    "openpyxl",
    "psycopg",
    "airflow.providers.postgres.hooks.postgres",
    "airflow.sdk.io.path",
    "s3fs",
    "airflow.providers.amazon.aws.fs.s3",
    "alertas_rapidas.dag_factory",
    "alertas_rapidas.steps",
    "alertas_rapidas.extract",
    "alertas_rapidas.plan_files",
    "alertas_rapidas.rendering",
    "alertas_rapidas.pdf.statement",
    "alertas_rapidas.xlsx",
    "alertas_rapidas.run_settings",
    "alertas_rapidas.unsubscribes",
    "alertas_rapidas.summary",
    "alertas_rapidas.delivery.operator",
    "alertas_rapidas.delivery.loop",
    "alertas_rapidas.delivery.outbox",
    "alertas_rapidas.delivery.smtp_session",
    "alertas_rapidas.ledger.deliveries",
    "alertas_rapidas.ledger.recovery",
)


def preload(names: tuple[str, ...] = PRELOADED) -> list[str]:
    """Import `names`; return those that are not installed (only libraries may be missing)."""
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if name.startswith("alertas_rapidas"):
                raise
            missing.append(f"{name} ({exc.name})")
    return missing


@import_modules.connect
def _preload_in_worker(*args: object, **kwargs: object) -> None:
    """Celery's `import_modules` signal: sent in a worker's main process before it forks its pool."""
    try:
        missing = preload()
    except Exception:  # the worker still starts: its tasks import what they need themselves
        log.exception("Preloading the alert modules failed")
    else:
        if missing:
            log.info("Not preloaded (not installed): %s", ", ".join(missing))
    gc.freeze()  # as Airflow's own preload does: the forked processes do not copy these objects
