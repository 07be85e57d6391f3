"""One schedule module: a family's timetable from its config in one function, the run parameters
declared once (the trigger form's `Param`s and `RunOptions` come from the same fields), and the
run's week, month and year computed once."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from alertas_rapidas.dag_factory import run_params as dag_run_params
from alertas_rapidas.engine.family import sql_params
from alertas_rapidas.engine.planner import run_values
from alertas_rapidas.families.registry import family_keys, load_config
from alertas_rapidas.schedule.business_days import BusinessDaysTimetable
from alertas_rapidas.schedule.dealership_cron import DealershipCronTimetable
from alertas_rapidas.schedule.run_params import RunOptions, run_param_names, run_parameter, run_params
from alertas_rapidas.schedule.run_time import RunTime
from alertas_rapidas.schedule.timetables import business_calendar, family_timetable, schedule_description

BA = "America/Argentina/Buenos_Aires"


@pytest.mark.parametrize("key", family_keys())
def test_each_family_timetable_is_what_its_schedule_says(key):
    config, _ = load_config(key)
    schedule = config.schedule
    timetable = family_timetable(config)
    serialized = timetable.serialize()
    if schedule.business_days:
        assert type(timetable) is BusinessDaysTimetable
        assert serialized == {
            "cron": schedule.cron,
            "timezone": config.timezone,
            "extra_holidays": [day.isoformat() for day in sorted(schedule.extra_holidays)],
            "country": "AR",
            "catch_up_last_missed": schedule.catch_up_last_missed,
        }
        assert business_calendar(config) == timetable
        assert schedule_description(config) == timetable.description
    else:
        assert type(timetable) is DealershipCronTimetable
        assert serialized == {
            "expression": schedule.cron,
            "timezone": config.timezone,
            "interval": (schedule.interval or timedelta(0)).total_seconds(),
            "run_immediately": False,
            "catch_up_last_missed": schedule.catch_up_last_missed,
        }
        assert business_calendar(config) is None
        assert schedule_description(config).startswith(f"{timetable.cron_description} (`{schedule.cron}`)")
    assert type(timetable).deserialize(serialized) == timetable  # as the scheduler rebuilds it


def test_the_run_window_of_a_business_days_family_is_its_timetables():
    from alertas_rapidas.schedule.run_context import run_time_of

    config, _ = load_config("cheques_to_deposit")
    monday = datetime(2026, 11, 2, 8, 0, tzinfo=ZoneInfo(config.timezone))
    run = run_time_of(config, {"data_interval_end": monday, "params": {}})
    assert run.window_start == family_timetable(config).previous_fire(monday)
    assert run.window_start.astimezone(ZoneInfo(config.timezone)).date() == date(2026, 10, 30)


def test_the_params_and_run_options_come_from_one_declaration():
    names = [field.name for field in dataclasses.fields(RunOptions)]
    assert list(run_params()) == names == run_param_names()
    assert dag_run_params().keys() == run_params().keys()
    for field in dataclasses.fields(RunOptions):
        assert run_params()[field.name].value == field.default
    changed = {"dry_run": True, "force_resend": True, "resend_unknown": True}
    changed |= {"redirect_to": "pruebas@concesionaria.com.ar", "run_date": "2026-11-01"}
    assert set(changed) == set(names)  # every parameter is read from the run's params
    assert dataclasses.asdict(RunOptions.from_params(changed)) == changed


def test_a_parameter_added_to_the_declaration_is_in_the_form_and_in_the_run_options():
    @dataclasses.dataclass(frozen=True)
    class WithOneMore(RunOptions):
        skip_pdf: bool = run_parameter(False, title="Skip PDF", description="Attach no PDF.")

    params = run_params(WithOneMore)
    assert list(params) == [*run_param_names(), "skip_pdf"]
    assert params["skip_pdf"].value is False
    assert params["skip_pdf"].schema == {"type": "boolean", "title": "Skip PDF"}
    assert params["skip_pdf"].description == "Attach no PDF."
    assert WithOneMore.from_params({"skip_pdf": 1}).skip_pdf is True
    assert WithOneMore.from_params(None).skip_pdf is False


class _NoSettings(BaseModel):
    pass


@pytest.mark.parametrize(
    ("day", "week", "month", "year"),
    [
        (date(2026, 11, 2), "2026-W45", "2026-11", 2026),
        (date(2027, 1, 1), "2026-W53", "2027-01", 2027),  # ISO week of the previous ISO year
        (date(2024, 12, 30), "2025-W01", "2024-12", 2024),
    ],
)
def test_week_month_and_year_are_computed_once(day, week, month, year):
    at = datetime.combine(day, time(8), tzinfo=ZoneInfo(BA))
    run = RunTime(timezone=BA, at=at, window_start=at, window_end=at)
    expected = {"iso_week": week, "month": month, "year": year}
    assert run.calendar_values() == expected
    values, params = run_values(run), sql_params(_NoSettings(), run)
    assert {name: values[name] for name in expected} == expected
    assert {name: params[name] for name in expected} == expected
