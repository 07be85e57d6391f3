"""Unpausing never runs the past: the first scheduled run after a pause is the next fire.

Both of the package's timetables, as the scheduler asks them (`next_dagrun_info` with
`catchup=False`, the DAG's start date as `earliest`): with no earlier run (a DAG unpaused for the
first time) and with one long ago (unpaused after a pause). A fire at most 5 minutes old still
runs (a scheduler a little late); `schedule.catch_up_last_missed: true` restores Airflow's rule,
where the latest missed fire runs at once.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from alertas_rapidas.schedule.business_days import BusinessDaysTimetable
from alertas_rapidas.schedule.dealership_cron import DealershipCronTimetable
from alertas_rapidas.schedule.missed_fires import LATE_FIRE_GRACE

BA = "America/Argentina/Buenos_Aires"
BA_ZONE = ZoneInfo(BA)
# The DAGs' own restriction: start date 2026-01-01 (config default), catchup=False.
SCHEDULER = TimeRestriction(earliest=datetime(2026, 1, 1, tzinfo=BA_ZONE), latest=None, catchup=False)


def ba(month: int, day: int, hour: int = 8, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=BA_ZONE)


def pin_now(monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    """ "Now" for both timetables, and for Airflow's own rule (the opt-in calls it)."""
    instant = pendulum.instance(now).in_timezone("UTC")
    for cls in (DealershipCronTimetable, BusinessDaysTimetable):
        monkeypatch.setattr(cls, "_now", staticmethod(lambda: instant))
    monkeypatch.setattr("airflow.timetables.trigger.utcnow", lambda: instant)


def first_run(timetable, last: DataInterval | None = None):
    return timetable.next_dagrun_info(last_automated_data_interval=last, restriction=SCHEDULER)


def monthly(**kwargs) -> DealershipCronTimetable:
    """customer_statements' schedule: 08:00 on the 1st, Buenos Aires."""
    return DealershipCronTimetable("0 8 1 * *", timezone=BA, **kwargs)


def business_days(**kwargs) -> BusinessDaysTimetable:
    return BusinessDaysTimetable("0 8 * * *", BA, **kwargs)


def test_unpausing_a_monthly_family_on_the_15th_waits_for_the_1st(monkeypatch):
    pin_now(monkeypatch, ba(11, 15, 10))
    never_ran = first_run(monthly())
    assert never_ran.run_after == ba(12, 1)  # not the statements of Nov 1, sent at once
    # Paused since October: the runs missed in between are dropped too.
    paused_since_october = first_run(monthly(), DataInterval(ba(10, 1), ba(10, 1)))
    assert paused_since_october.run_after == ba(12, 1)


def test_a_fire_at_most_five_minutes_old_still_runs(monkeypatch):
    """The scheduler a little late (restarting, or the DAG file parsed again right after 08:00)
    must not drop the 08:00 run of a family that is not paused."""
    assert timedelta(minutes=5) == LATE_FIRE_GRACE
    pin_now(monkeypatch, ba(11, 1, 8, 4))
    last_month = DataInterval(ba(10, 1), ba(10, 1))
    assert first_run(monthly(), last_month).run_after == ba(11, 1)
    pin_now(monkeypatch, ba(11, 1, 8, 6))
    assert first_run(monthly(), last_month).run_after == ba(12, 1)


def test_the_run_after_a_scheduled_one_is_the_next_fire(monkeypatch):
    pin_now(monkeypatch, ba(11, 1, 8, 0, 1))  # the scheduler, right after creating the 08:00 run
    assert first_run(monthly(), DataInterval(ba(11, 1), ba(11, 1))).run_after == ba(12, 1)


def test_an_hourly_family_keeps_its_window(monkeypatch):
    """vehicle_arrived-like: every hour, reading [T - 1 h, T)."""
    hourly = DealershipCronTimetable("0 * * * *", timezone=BA, interval=timedelta(hours=1))
    pin_now(monkeypatch, ba(11, 1, 10, 20))
    info = first_run(hourly, DataInterval(ba(10, 30, 7), ba(10, 30, 8)))
    assert info.run_after == ba(11, 1, 11)
    assert info.data_interval == DataInterval(ba(11, 1, 10), ba(11, 1, 11))


def test_unpausing_a_business_days_family_waits_for_the_next_business_fire(monkeypatch):
    pin_now(monkeypatch, ba(11, 20, 10))  # Friday 10:00; Monday 23 is a national holiday
    info = first_run(business_days())
    assert info.run_after == ba(11, 24)  # Tuesday, not this morning's run
    assert info.data_interval == DataInterval(ba(11, 20), ba(11, 24))
    assert first_run(business_days(), DataInterval(ba(11, 2), ba(11, 3))).run_after == ba(11, 24)
    pin_now(monkeypatch, ba(11, 20, 8, 3))
    assert first_run(business_days(), DataInterval(ba(11, 18), ba(11, 19))).run_after == ba(11, 20)


def test_catch_up_last_missed_runs_the_latest_missed_fire_at_once(monkeypatch):
    """The opt-in: Airflow's rule, for both timetables."""
    pin_now(monkeypatch, ba(11, 15, 10))
    assert first_run(monthly(catch_up_last_missed=True)).run_after == ba(11, 1)
    assert first_run(monthly(catch_up_last_missed=True), DataInterval(ba(10, 1), ba(10, 1))).run_after == ba(
        11, 1
    )
    pin_now(monkeypatch, ba(11, 20, 10))
    assert first_run(business_days(catch_up_last_missed=True)).run_after == ba(11, 20)


def test_latest_restriction_still_ends_the_schedule(monkeypatch):
    pin_now(monkeypatch, ba(11, 15, 10))
    ended = TimeRestriction(earliest=SCHEDULER.earliest, latest=ba(11, 30), catchup=False)
    assert monthly().next_dagrun_info(last_automated_data_interval=None, restriction=ended) is None


def test_the_opt_in_survives_serialization_and_comes_from_the_family_file():
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.paths import FAMILIES_DIR
    from alertas_rapidas.schedule.timetables import family_timetable as timetable

    for made in (monthly(catch_up_last_missed=True), business_days(catch_up_last_missed=True)):
        data = json.loads(json.dumps(made.serialize()))
        assert data["catch_up_last_missed"] is True
        back = type(made).deserialize(data)
        assert back == made and back.catch_up_last_missed is True
    # A DAG serialized before the field existed reads as the default.
    old = monthly().serialize()
    del old["catch_up_last_missed"]
    assert DealershipCronTimetable.deserialize(old).catch_up_last_missed is False
    assert monthly() != monthly(catch_up_last_missed=True)

    config, _ = load_family_config(FAMILIES_DIR / "customer_statements.yaml")
    assert timetable(config).catch_up_last_missed is False
    opted = config.model_copy(
        update={"schedule": config.schedule.model_copy(update={"catch_up_last_missed": True})}
    )
    assert timetable(opted).catch_up_last_missed is True
