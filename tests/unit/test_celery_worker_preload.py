"""The Celery worker preload names modules that exist, and leaves Airflow's Celery settings as they are."""

from __future__ import annotations

import subprocess
import sys


def test_every_preloaded_module_imports_here():
    from alertas_rapidas.celery_worker import preload

    assert preload() == []  # this venv has every optional library too (compose installs the same)


def test_the_config_is_airflows_own_and_a_missing_library_is_reported_not_raised():
    from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

    from alertas_rapidas.celery_worker import CELERY_CONFIG, preload

    assert CELERY_CONFIG is DEFAULT_CELERY_CONFIG
    assert preload(("no_such_library_for_alertas",)) == [
        "no_such_library_for_alertas (no_such_library_for_alertas)"
    ]


def test_importing_the_module_imports_none_of_the_heavy_libraries():
    """The scheduler imports the module too (it reads the Celery config): only workers preload."""
    code = (
        "import sys, alertas_rapidas.celery_worker; "
        "print(sorted(m for m in ('pandas', 'reportlab', 's3fs') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
