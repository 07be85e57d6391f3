"""Escape hatch of `alerts_health` (catalogue family 40): the families that should have run.

The family's SQL reads the package's own database (runs with problems, messages failed, unknown
or deferred, and which families recorded a run for D - 1). What no query can say is which
families were *due* on D - 1: that lives in the family files, not in any database. This transform
adds one row per enabled family whose schedule fired on D - 1 and that recorded no run for that
date, sends the report to the `owners_email` of the family's own config, and leaves everything
else (grouping, key, templates) to the engine.

Enabled: a valid family file `dags/families/<key>.yaml` with its DAG file `dags/alert_<key>.py`
(a file that does not validate has no DAG: Airflow shows its import error), started on or before
D - 1. Fired on D - 1: its cron has an instant on that local date (in the family's time zone),
and with `business_days` that date is a business day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from alertas_rapidas.config import FamilyConfig, FamilyConfigError
from alertas_rapidas.contracts.plan import Plan
from alertas_rapidas.engine.spec import RecipientRule
from alertas_rapidas.families.registry import dag_file_path, family_keys, load_config
from alertas_rapidas.schedule.run_time import RunTime
from alertas_rapidas.schedule.timetables import business_calendar, schedule_label

KEY = "alerts_health"
RAN = "ran"  # rows of the SQL that only say a family recorded a run for D - 1
MISSING = "missing_run"
COLUMNS = ["kind", "family", "checked_date", "detail", "messages", "at"]  # as the SQL returns them


def fires_on(config: FamilyConfig, day: date) -> bool:
    """Whether the family's schedule has a fire instant on the local date `day`."""
    from croniter import croniter

    if config.start_date > day:
        return False
    calendar = business_calendar(config)
    if calendar is not None and not calendar.is_business_day(day):
        return False
    zone = ZoneInfo(config.timezone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    first = croniter(config.schedule.cron, start - timedelta(microseconds=1)).get_next(datetime)
    return first.astimezone(zone).date() == day


def enabled_families(families_dir: Path | None = None) -> dict[str, FamilyConfig]:
    """The valid family files that have a DAG file, by key (default: the package's families)."""
    found = {}
    for key in family_keys(families_dir):
        if not dag_file_path(key, families_dir).exists():
            continue
        try:
            config, _settings = load_config(key, families_dir)
        except FamilyConfigError:
            continue
        found[config.key] = config
    return found


def due_families(day: date, families_dir: Path | None = None) -> list[str]:
    """The enabled families whose schedule fired on `day`, sorted."""
    return sorted(key for key, config in enabled_families(families_dir).items() if fires_on(config, day))


def build_plan(
    frames: dict[str, pd.DataFrame], settings: Any, run: RunTime, *, families_dir: Path | None = None
) -> Plan:
    from alertas_rapidas.engine.planner import build_plan as engine_plan

    config, _ = load_config(KEY, families_dir)
    assert config.alert is not None
    day = run.run_date - timedelta(days=1)
    rows = frames["rows"] if len(frames["rows"]) else pd.DataFrame(columns=COLUMNS)
    ran = set(rows.loc[rows["kind"] == RAN, "family"])
    missing = [
        {"kind": MISSING, "family": key, "checked_date": day, "detail": schedule_label(family)}
        for key, family in enabled_families(families_dir).items()
        if fires_on(family, day) and key not in ran
    ]
    kept = rows[rows["kind"] != RAN]
    table = pd.concat([kept, pd.DataFrame(missing, columns=COLUMNS)], ignore_index=True)
    if not config.owners_email:
        raise ValueError(f"{KEY}: owners_email is empty; the report goes to this family's owners")
    stage = config.alert.stages[0]
    owners = RecipientRule(addresses=list(config.owners_email))
    recipients = stage.recipients.model_copy(update={"to": [owners]})
    spec = config.alert.model_copy(
        update={"stages": [stage.model_copy(update={"recipients": recipients})], "transform": None}
    )
    return engine_plan({**frames, "rows": table}, settings, run, spec=spec)
