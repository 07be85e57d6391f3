"""The escape hatch of `alerts_health`: which families were due on a date (their schedules), which
families are enabled (a valid file with its DAG file), and the report's rows and recipients."""

from __future__ import annotations

import shutil
import textwrap
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from alertas_rapidas.config import load_family_config
from alertas_rapidas.engine.settings import settings_model
from alertas_rapidas.paths import FAMILIES_DIR
from alertas_rapidas.schedule.run_time import resolve_run_time
from alertas_rapidas.transforms.alerts_health import (
    COLUMNS,
    build_plan,
    due_families,
    enabled_families,
    fires_on,
)

FAMILY = """
key: {key}
title: A test family ({key})
audience: internal
description: A family of the alerts_health tests.
schedule: {schedule}
alert:
  rows: {{sql: demo/rows.sql}}
  recipients: {{to: [{{addresses: [x@autosur.example.com]}}]}}
  once_per: "demo:{{run_date}}"
"""
SCHEDULES = {
    "hourly": '{cron: "0 * * * *", interval: PT1H}',
    "daily": '{cron: "0 8 * * *"}',
    "mondays": '{cron: "0 8 * * 1"}',
    "monthly": '{cron: "0 8 1 * *"}',
    "business": '{cron: "0 8 * * *", business_days: true, extra_holidays: [2026-11-27]}',
    "late_start": '{cron: "0 8 * * *"}\nstart_date: 2026-12-01',
}


@pytest.fixture
def families(tmp_path):
    folder = tmp_path / "dags" / "families"
    folder.mkdir(parents=True)
    (folder / "_defaults.yaml").write_text(
        "owners_email: [datos@autosur.example.com, it@autosur.example.com]\n"
    )
    for key, schedule in SCHEDULES.items():
        (folder / f"{key}.yaml").write_text(textwrap.dedent(FAMILY.format(key=key, schedule=schedule)))
        (folder.parent / f"alert_{key}.py").write_text("# airflow dag\n")
    (folder / "no_dag.yaml").write_text(FAMILY.format(key="no_dag", schedule=SCHEDULES["daily"]))
    (folder / "broken.yaml").write_text("key: broken\n")
    (folder.parent / "alert_broken.py").write_text("# airflow dag\n")
    shutil.copy(FAMILIES_DIR / "alerts_health.yaml", folder / "alerts_health.yaml")
    (folder.parent / "alert_alerts_health.py").write_text("# airflow dag\n")
    return folder


def test_enabled_families_are_valid_files_with_a_dag_file(families):
    assert sorted(enabled_families(families)) == sorted([*SCHEDULES, "alerts_health"])


@pytest.mark.parametrize(
    ("day", "due"),
    [
        # Monday 23/11/2026 is a national holiday: no business-days run.
        (date(2026, 11, 23), {"hourly", "daily", "mondays", "alerts_health"}),
        (date(2026, 11, 24), {"hourly", "daily", "business", "alerts_health"}),
        (date(2026, 11, 27), {"hourly", "daily", "alerts_health"}),  # the config's extra holiday
        (date(2026, 11, 28), {"hourly", "daily", "alerts_health"}),  # Saturday
        (date(2026, 12, 1), {"hourly", "daily", "monthly", "business", "late_start", "alerts_health"}),
    ],
)
def test_families_due_on_a_date_follow_their_schedules(families, day, due):
    assert set(due_families(day, families)) == due


def test_an_hourly_schedule_fires_at_local_midnight(families):
    config, _ = load_family_config(families / "hourly.yaml")
    assert fires_on(config, date(2026, 11, 24))


def frames(rows):
    return {
        "rows": pd.DataFrame(rows, columns=COLUMNS),
        "_dealership": pd.DataFrame(
            [(1, "AUTOSUR", "Autosur S.A.", "30-1", "ARS")],
            columns=["id", "code", "name", "tax_id", "local_currency"],
        ),
    }


def run_on(day: date):
    return resolve_run_time(
        timezone="America/Argentina/Buenos_Aires",
        logical_date=datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC),
        run_after=None,
        interval=None,
    )


def settings(families):
    config, _ = load_family_config(families / "alerts_health.yaml")
    return settings_model("alerts_health", config.alert.settings)()


def test_the_report_adds_the_families_due_without_a_run_and_goes_to_the_owners(families):
    checked = date(2026, 11, 24)
    rows = [
        ("run_problem", "daily", checked, "1 message(s) failed permanently", None, "2026-11-24T11:05:00Z"),
        ("messages", "daily", checked, "failed", 1, "2026-11-24T11:05:00Z"),
        *[("ran", key, checked, None, None, None) for key in ("daily", "hourly", "alerts_health")],
    ]
    plan = build_plan(frames(rows), settings(families), run_on(date(2026, 11, 25)), families_dir=families)
    [to_datos, to_it] = plan.messages
    assert (to_datos.to, to_it.to) == (["datos@autosur.example.com"], ["it@autosur.example.com"])
    assert to_datos.business_key == "alerts_health:2026-11-25"
    listed = [(row["kind"], row["family"]) for row in to_datos.context["rows"]]
    assert listed == [("run_problem", "daily"), ("messages", "daily"), ("missing_run", "business")]
    assert to_datos.context["rows"][2]["detail"] == "0 8 * * * (business days)"
    assert to_datos.context["rows"][2]["checked_date"] == "2026-11-24"


def test_all_well_is_silent(families):
    checked = date(2026, 11, 24)
    rows = [
        ("ran", key, checked, None, None, None) for key in ("daily", "hourly", "business", "alerts_health")
    ]
    plan = build_plan(frames(rows), settings(families), run_on(date(2026, 11, 25)), families_dir=families)
    assert plan.messages == [] and plan.skipped == []
    empty = build_plan(frames([]), settings(families), run_on(date(2026, 11, 29)), families_dir=families)
    assert {row["family"] for m in empty.messages[:1] for row in m.context["rows"]} == {
        "hourly",
        "daily",
        "alerts_health",
    }
