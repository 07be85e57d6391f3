"""`BusinessDaysTimetable`: cron fires on business days only (weekends, national and extra holidays
skipped), its data intervals, scheduling restrictions, serialization and plugin registration.

The Argentine dates are the `holidays` library's own (0.109) for 2026: Monday Nov 23 (Día de la
Soberanía Nacional, moved), Monday Dec 7 (bridge day), Tuesday Dec 8, Friday Dec 25.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from alertas_rapidas.schedule.business_days import BusinessDaysTimetable, national_holidays

BA = "America/Argentina/Buenos_Aires"
BA_ZONE = ZoneInfo(BA)
MADRID = ZoneInfo("Europe/Madrid")
EXTRA = (date(2026, 12, 24), date(2026, 12, 31))  # company holidays from the config


def ba(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BA_ZONE)


def fires(tt: BusinessDaysTimetable, start: datetime, end: datetime) -> list[datetime]:
    """Every business fire in [start, end), walked with the public helper."""
    out: list[datetime] = []
    at = tt.next_fire(start)
    while at < end:
        out.append(at)
        at = tt.next_fire(at + timedelta(microseconds=1))
    return out


@pytest.fixture
def tt() -> BusinessDaysTimetable:
    return BusinessDaysTimetable("0 8 * * *", BA, extra_holidays=EXTRA)


def pin_now(monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    monkeypatch.setattr(BusinessDaysTimetable, "_now", staticmethod(lambda: pendulum.instance(now)))


# --- the calendar -------------------------------------------------------------------------------


def test_the_holidays_library_knows_the_argentine_dates_used_here():
    ar_2026 = national_holidays("AR", 2026)
    assert {date(2026, 11, 23), date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 25)} <= ar_2026
    assert date(2026, 11, 20) not in ar_2026 and date(2026, 12, 24) not in ar_2026


def test_is_business_day(tt):
    assert tt.is_business_day(date(2026, 11, 20))  # Friday
    assert not tt.is_business_day(date(2026, 11, 21))  # Saturday
    assert not tt.is_business_day(date(2026, 11, 22))  # Sunday
    assert not tt.is_business_day(date(2026, 11, 23))  # national holiday (Monday)
    assert tt.is_business_day(date(2026, 11, 24))
    assert not tt.is_business_day(date(2026, 12, 24))  # extra date from config
    assert BusinessDaysTimetable("0 8 * * *", BA).is_business_day(date(2026, 12, 24))


def test_week_with_a_monday_holiday_fires_tuesday_to_friday_at_0800_local(tt):
    got = fires(tt, ba(2026, 11, 21, 0), ba(2026, 11, 30, 0))
    assert got == [ba(2026, 11, d) for d in (24, 25, 26, 27)]
    assert got[0] == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # 08:00 ART is 11:00 UTC


def test_bridge_monday_and_holiday_tuesday_are_skipped(tt):
    assert fires(tt, ba(2026, 12, 5, 0), ba(2026, 12, 12, 0)) == [ba(2026, 12, d) for d in (9, 10, 11)]


def test_extra_dates_and_christmas_are_skipped(tt):
    # Thu 24 and Thu 31 are extra dates, Fri 25 is Christmas, the weekends are weekends.
    got = fires(tt, ba(2026, 12, 21, 0), ba(2027, 1, 5, 0))
    assert [d.astimezone(BA_ZONE).date() for d in got] == [
        date(2026, 12, 21),
        date(2026, 12, 22),
        date(2026, 12, 23),
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
        # Jan 1 is New Year's Day (national), Jan 2-3 the weekend.
        date(2027, 1, 4),
    ]


def test_next_fire_is_at_or_after_and_previous_fire_strictly_before(tt):
    assert tt.next_fire(ba(2026, 11, 24)) == ba(2026, 11, 24)
    assert tt.next_fire(ba(2026, 11, 24, 8, 1)) == ba(2026, 11, 25)
    assert tt.previous_fire(ba(2026, 11, 24)) == ba(2026, 11, 20)
    assert tt.previous_fire(ba(2026, 11, 24, 8, 1)) == ba(2026, 11, 24)
    assert tt.next_fire(ba(2026, 11, 20, 8, 0) + timedelta(seconds=1)) == ba(2026, 11, 24)


def test_naive_datetimes_are_refused(tt):
    with pytest.raises(ValueError, match="tz-aware"):
        tt.next_fire(datetime(2026, 11, 24, 8, 0))


def test_several_fires_a_day_skip_whole_non_business_days():
    hourly = BusinessDaysTimetable("0 9-17 * * *", BA)
    assert hourly.next_fire(ba(2026, 11, 20, 17, 30)) == ba(2026, 11, 24, 9)
    assert hourly.previous_fire(ba(2026, 11, 24, 9)) == ba(2026, 11, 20, 17)


def test_a_cron_that_never_hits_a_business_day_fails_instead_of_looping():
    saturdays = BusinessDaysTimetable("0 8 * * 6", BA)
    with pytest.raises(ValueError, match="business day"):
        saturdays.next_fire(ba(2026, 11, 20))


@pytest.mark.parametrize(
    ("cron", "timezone", "country"),
    [
        ("0 8 * *", BA, "AR"),
        ("0 25 * * *", BA, "AR"),
        ("0 8 * * *", "Mars/Olympus", "AR"),
        ("0 8 * * *", BA, "A1"),
    ],
)
def test_invalid_arguments_fail_at_construction(cron, timezone, country):
    with pytest.raises(ValueError):
        BusinessDaysTimetable(cron, timezone, country=country)


def test_unknown_country_fails_with_a_clear_message():
    with pytest.raises(ValueError, match="no calendar for country 'ZZ'"):
        BusinessDaysTimetable("0 8 * * *", BA, country="ZZ").is_business_day(date(2026, 11, 24))


# --- DST ----------------------------------------------------------------------------------------


def test_0800_madrid_stays_0800_local_across_the_end_of_dst():
    madrid = BusinessDaysTimetable("0 8 * * *", "Europe/Madrid", country="ES")
    start = datetime(2026, 10, 22, 0, 0, tzinfo=MADRID)
    got = fires(madrid, start, start + timedelta(days=6))
    assert [(f.astimezone(MADRID).date(), f.astimezone(MADRID).hour) for f in got] == [
        (date(2026, 10, 22), 8),
        (date(2026, 10, 23), 8),
        (date(2026, 10, 26), 8),  # clocks went back on Sunday Oct 25
        (date(2026, 10, 27), 8),
    ]
    friday, monday = got[1], got[2]
    assert friday == datetime(2026, 10, 23, 6, 0, tzinfo=UTC)  # CEST, UTC+2
    assert monday == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # CET, UTC+1
    info = madrid.next_dagrun_info(
        last_automated_data_interval=DataInterval(got[0], friday),
        restriction=TimeRestriction(earliest=None, latest=None, catchup=True),
    )
    assert info.run_after == monday
    assert info.data_interval == DataInterval(friday, monday)


def test_0800_madrid_stays_0800_local_across_the_start_of_dst():
    madrid = BusinessDaysTimetable("0 8 * * *", "Europe/Madrid", country="ES")
    assert madrid.next_fire(datetime(2026, 3, 28, tzinfo=MADRID)) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert madrid.previous_fire(datetime(2026, 3, 30, 8, tzinfo=MADRID)) == datetime(
        2026, 3, 27, 7, 0, tzinfo=UTC
    )


# --- data intervals and scheduling --------------------------------------------------------------


def test_a_monday_run_covers_friday_0800_to_monday_0800(tt):
    info = tt.next_dagrun_info(
        last_automated_data_interval=DataInterval(ba(2026, 11, 26), ba(2026, 11, 27)),
        restriction=TimeRestriction(earliest=None, latest=None, catchup=True),
    )
    assert info.run_after == ba(2026, 11, 30)
    assert info.data_interval == DataInterval(ba(2026, 11, 27), ba(2026, 11, 30))


def test_the_run_after_a_holiday_covers_friday_to_tuesday(tt):
    info = tt.next_dagrun_info(
        last_automated_data_interval=DataInterval(ba(2026, 11, 19), ba(2026, 11, 20)),
        restriction=TimeRestriction(earliest=None, latest=None, catchup=True),
    )
    assert info.run_after == ba(2026, 11, 24)
    assert info.data_interval == DataInterval(ba(2026, 11, 20), ba(2026, 11, 24))
    # The Airflow types it hands back: pendulum DateTimes in UTC, as the scheduler expects.
    assert isinstance(info.run_after, pendulum.DateTime) and info.run_after.tzinfo is not None


def test_earliest_restriction_starts_at_the_first_business_fire(tt):
    info = tt.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=ba(2026, 11, 21, 0), latest=None, catchup=True),
    )
    assert info.run_after == ba(2026, 11, 24)
    assert info.data_interval == DataInterval(ba(2026, 11, 20), ba(2026, 11, 24))


def test_latest_restriction_stops_scheduling(tt):
    restriction = TimeRestriction(earliest=ba(2026, 11, 21, 0), latest=ba(2026, 11, 24, 7), catchup=True)
    assert tt.next_dagrun_info(last_automated_data_interval=None, restriction=restriction) is None
    restriction = TimeRestriction(earliest=ba(2026, 11, 21, 0), latest=ba(2026, 11, 24), catchup=True)
    assert tt.next_dagrun_info(last_automated_data_interval=None, restriction=restriction).run_after == ba(
        2026, 11, 24
    )


def test_catch_up_last_missed_starts_from_the_latest_fire_at_or_before_now(monkeypatch):
    # The opt-in (Airflow's own rule); by default missed fires are dropped (test_missed_fires.py).
    tt = BusinessDaysTimetable("0 8 * * *", BA, extra_holidays=EXTRA, catch_up_last_missed=True)
    pin_now(monkeypatch, ba(2026, 11, 26, 10))  # Thursday 10:00
    restriction = TimeRestriction(earliest=ba(2026, 1, 1, 0), latest=None, catchup=False)
    info = tt.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert info.run_after == ba(2026, 11, 26)
    assert info.data_interval == DataInterval(ba(2026, 11, 25), ba(2026, 11, 26))
    # Runs missed since the last one (Tue, Wed) are dropped, not caught up.
    info = tt.next_dagrun_info(
        last_automated_data_interval=DataInterval(ba(2026, 11, 20), ba(2026, 11, 24)), restriction=restriction
    )
    assert info.run_after == ba(2026, 11, 26)


def test_catch_up_last_missed_on_a_holiday_keeps_the_last_business_fire(monkeypatch):
    tt = BusinessDaysTimetable("0 8 * * *", BA, extra_holidays=EXTRA, catch_up_last_missed=True)
    pin_now(monkeypatch, ba(2026, 11, 23, 10))  # the Monday holiday
    restriction = TimeRestriction(earliest=ba(2026, 1, 1, 0), latest=None, catchup=False)
    info = tt.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert info.run_after == ba(2026, 11, 20)
    # Once Friday's run exists, the next one waits for Tuesday.
    info = tt.next_dagrun_info(
        last_automated_data_interval=DataInterval(ba(2026, 11, 19), ba(2026, 11, 20)), restriction=restriction
    )
    assert info.run_after == ba(2026, 11, 24)
    assert info.data_interval == DataInterval(ba(2026, 11, 20), ba(2026, 11, 24))


def test_catchup_false_with_a_future_earliest_waits_for_it(tt, monkeypatch):
    pin_now(monkeypatch, ba(2026, 11, 26, 10))
    restriction = TimeRestriction(earliest=ba(2026, 12, 5, 0), latest=None, catchup=False)
    info = tt.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert info.run_after == ba(2026, 12, 9)  # Dec 7 and 8 are holidays


def test_no_start_date_waits_for_the_next_business_fire(tt, monkeypatch):
    pin_now(monkeypatch, ba(2026, 11, 20, 9))
    for catchup in (True, False):
        info = tt.next_dagrun_info(
            last_automated_data_interval=None,
            restriction=TimeRestriction(earliest=None, latest=None, catchup=catchup),
        )
        assert info.run_after == ba(2026, 11, 24)


def test_a_manual_run_covers_the_time_since_the_last_business_fire(tt):
    # Triggered on the holiday itself: it runs, the calendar only governs scheduling.
    run_after = ba(2026, 11, 23, 15, 30)
    assert tt.infer_manual_data_interval(run_after=run_after) == DataInterval(ba(2026, 11, 20), run_after)
    assert tt.infer_manual_data_interval(run_after=ba(2026, 11, 24)) == DataInterval(
        ba(2026, 11, 20), ba(2026, 11, 24)
    )


# --- serialization and the plugin ---------------------------------------------------------------


def test_serialize_round_trip(tt):
    data = tt.serialize()
    assert data == {
        "cron": "0 8 * * *",
        "timezone": BA,
        "extra_holidays": ["2026-12-24", "2026-12-31"],
        "country": "AR",
        "catch_up_last_missed": False,
    }
    back = BusinessDaysTimetable.deserialize(json.loads(json.dumps(data)))
    assert back == tt
    assert back.extra_holidays == EXTRA
    assert back.next_fire(ba(2026, 12, 24, 0)) == ba(2026, 12, 28)


def test_summary_and_description(tt):
    assert tt.summary == "0 8 * * * (business days, AR)"
    assert tt.description == (
        "At 08:00, Monday to Friday except Argentine national holidays and 2 extra dates "
        "(America/Argentina/Buenos_Aires)"
    )
    one_extra = BusinessDaysTimetable(
        "30 7 * * *", "Europe/Madrid", extra_holidays=[date(2026, 1, 2)], country="ES"
    )
    assert one_extra.description == (
        "At 07:30, Monday to Friday except Spanish national holidays and 1 extra date (Europe/Madrid)"
    )


def test_the_plugin_registers_the_timetable():
    import alertas_ui_plugin
    from airflow import plugins_manager

    assert BusinessDaysTimetable in alertas_ui_plugin.AlertasRapidasUIPlugin.timetables
    # What the scheduler looks the class up by when it deserializes a DAG.
    registered = plugins_manager.get_timetables_plugins()
    assert registered["alertas_rapidas.schedule.business_days.BusinessDaysTimetable"] is BusinessDaysTimetable


def test_a_dag_with_the_timetable_survives_airflow_serialization(tt):
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    with DAG(
        "business_days_serialization_probe",
        schedule=tt,
        start_date=datetime(2026, 11, 1, tzinfo=UTC),
        catchup=False,
    ) as dag:
        pass

    # Through JSON, as the DAG processor stores it and the scheduler reads it back.
    stored = json.loads(json.dumps(DagSerialization.to_dict(dag)))
    assert (
        stored["dag"]["timetable"]["__type"] == "alertas_rapidas.schedule.business_days.BusinessDaysTimetable"
    )
    serialized_dag = DagSerialization.from_dict(stored)
    restored = serialized_dag.timetable
    assert isinstance(restored, BusinessDaysTimetable)
    assert restored == tt
    assert restored.summary == "0 8 * * * (business days, AR)"
    assert restored.description == tt.description
    info = serialized_dag.next_dagrun_info(
        last_automated_run_info=None,
        restricted=False,
    )
    assert info is not None and tt.is_business_day(info.run_after.astimezone(BA_ZONE).date())
