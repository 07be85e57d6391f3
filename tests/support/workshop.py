"""The workshop fixture (tests/fixtures/catalogue_workshop.sql) moved to the present, for tests
that run `work_orders_open_too_long` as scheduled (tomorrow, 08:00 in Buenos Aires)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("America/Argentina/Buenos_Aires")
FIXTURE_DAY = date(2026, 12, 1)


def local_day(offset: int) -> date:
    """Today in Buenos Aires, plus `offset` days."""
    return datetime.now(ZONE).date() + timedelta(days=offset)


def next_run_day() -> date:
    """The local date of `work_orders_open_too_long`'s next scheduled run (08:00 in Buenos Aires):
    today before 08:00, else tomorrow; what the Alertas page's Settings preview shows."""
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.families.registry import family_path
    from alertas_rapidas.schedule.day_runs import next_fire

    config, _settings = load_family_config(family_path("work_orders_open_too_long"))
    return next_fire(config).date()


def shift_workshop_to_tomorrow(dms: Any) -> Any:
    """The workshop fixture, moved so that tomorrow is its 2026-12-01 (see `shift_workshop_to`)."""
    return shift_workshop_to(dms, local_day(1))


def shift_workshop_to(dms: Any, run_day: date) -> Any:
    """The workshop fixture, moved so that `run_day` is its 2026-12-01, plus ten branches with an
    order open 7 days at that day's run."""
    shift = (run_day - FIXTURE_DAY).days
    dms.execute(
        "update dms.work_orders set opened_at = opened_at + make_interval(days => %(d)s),"
        " finished_at = finished_at + make_interval(days => %(d)s)",
        {"d": shift},
    )
    opened = datetime.combine(run_day - timedelta(days=7), time(9), tzinfo=ZONE)
    for number in range(10, 20):
        dms.execute(
            "insert into dms.branches (id, dealership_id, code, name) values (%s, 1, %s, %s)",
            (number, f"B{number}", f"Sucursal {number}"),
        )
        dms.execute(
            "insert into dms.work_orders (id, branch_id, customer_id, vehicle_id, advisor_id, opened_at,"
            " finished_at, status) values (%s, %s, 801, 701, 901, %s, null, 'open')",
            (3000 + number, number, opened),
        )
    return dms
