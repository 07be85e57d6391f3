"""The run's time (`resolve_run_time`) and recipient addresses (`recipients`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alertas_rapidas.recipients import address_party, normalize_address, normalize_many
from alertas_rapidas.schedule.run_time import RunTime, resolve_run_time

BA = "America/Argentina/Buenos_Aires"
BA_ZONE = ZoneInfo(BA)
NOV_1_0800_BA = datetime(2026, 11, 1, 11, 0, tzinfo=UTC)


# --- resolve_run_time ---------------------------------------------------------------------------


def test_logical_date_is_the_run_instant_in_dealership_time():
    run = resolve_run_time(timezone=BA, logical_date=NOV_1_0800_BA, run_after=None, interval=None)
    assert run.at == datetime(2026, 11, 1, 8, 0, tzinfo=BA_ZONE)
    assert run.at.utcoffset() == timedelta(hours=-3)
    assert run.run_date == date(2026, 11, 1)
    assert run.window_start == run.window_end == run.at  # no interval: the instant T


def test_local_date_not_utc_date_decides_the_run_date():
    # 01:30 UTC on Nov 1 is still Oct 31 in Buenos Aires.
    run = resolve_run_time(
        timezone=BA, logical_date=datetime(2026, 11, 1, 1, 30, tzinfo=UTC), run_after=None, interval=None
    )
    assert run.run_date == date(2026, 10, 31)


def test_logical_date_wins_over_run_after():
    run = resolve_run_time(
        timezone=BA,
        logical_date=NOV_1_0800_BA,
        run_after=datetime(2026, 11, 28, 15, 0, tzinfo=UTC),
        interval=None,
    )
    assert run.run_date == date(2026, 11, 1)


def test_manual_run_without_logical_date_uses_run_after():
    run = resolve_run_time(
        timezone=BA, logical_date=None, run_after=datetime(2026, 11, 28, 15, 30, tzinfo=UTC), interval=None
    )
    assert run.at == datetime(2026, 11, 28, 12, 30, tzinfo=BA_ZONE)
    assert run.run_date == date(2026, 11, 28)


@pytest.mark.parametrize("run_date", ["2026-10-01", date(2026, 10, 1)])
def test_run_date_override_keeps_the_time_of_day(run_date):
    run = resolve_run_time(
        timezone=BA,
        logical_date=None,
        run_after=datetime(2026, 11, 28, 15, 30, tzinfo=UTC),
        interval=timedelta(minutes=15),
        run_date=run_date,
    )
    assert run.at == datetime(2026, 10, 1, 12, 30, tzinfo=BA_ZONE)
    assert run.run_date == date(2026, 10, 1)
    assert run.window_start == datetime(2026, 10, 1, 12, 15, tzinfo=BA_ZONE)


def test_interval_gives_the_window_before_t():
    run = resolve_run_time(
        timezone=BA, logical_date=NOV_1_0800_BA, run_after=None, interval=timedelta(minutes=15)
    )
    assert run.window_end == run.at == datetime(2026, 11, 1, 8, 0, tzinfo=BA_ZONE)
    assert run.window_start == datetime(2026, 11, 1, 7, 45, tzinfo=BA_ZONE)
    assert run.window_end - run.window_start == timedelta(minutes=15)


@pytest.mark.parametrize(
    "logical_date",
    [datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)],
    ids=["spring_forward", "fall_back"],
)
def test_interval_window_is_interval_long_across_dst(logical_date):
    # Any IANA zone is accepted by the config; Madrid changes clocks on these dates.
    run = resolve_run_time(
        timezone="Europe/Madrid", logical_date=logical_date, run_after=None, interval=timedelta(hours=1)
    )
    assert run.window_end.astimezone(UTC) - run.window_start.astimezone(UTC) == timedelta(hours=1)


@pytest.mark.parametrize("field", ["logical_date", "run_after"])
def test_naive_datetime_is_rejected(field):
    naive = datetime(2026, 11, 1, 8, 0)
    kwargs = {"logical_date": None, "run_after": None, field: naive}
    with pytest.raises(ValueError, match="naive datetime"):
        resolve_run_time(timezone=BA, interval=None, **kwargs)


def test_no_time_at_all_is_rejected():
    with pytest.raises(ValueError, match="needs a logical date"):
        resolve_run_time(timezone=BA, logical_date=None, run_after=None, interval=None)


def test_run_time_round_trips_through_its_dict():
    run = resolve_run_time(
        timezone=BA, logical_date=NOV_1_0800_BA, run_after=None, interval=timedelta(hours=1)
    )
    again = RunTime.from_dict(run.to_dict())
    assert again == run
    assert again.run_date == date(2026, 11, 1)


# --- recipients ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Pagos@Transportes.Example.COM", "Pagos@transportes.example.com"),  # domain lower-cased
        ("  ana@example.com \n", "ana@example.com"),
        ("ventas@automotores-ñandú.com.ar", "ventas@xn--automotores-and-9qb0n.com.ar"),  # IDN -> ASCII
    ],
)
def test_normalize_address(given, expected):
    assert normalize_address(given) == expected


@pytest.mark.parametrize("given", ["", "   ", None, 42, "carlos@@example.com", "roto@", "sin-arroba", "a@b"])
def test_malformed_or_empty_address_is_none(given):
    assert normalize_address(given) is None


def test_normalize_many_drops_malformed_and_duplicates_keeping_order():
    given = [
        "b@example.com",
        "roto@",
        None,
        "A@Example.com",
        "B@EXAMPLE.COM",
        "a@example.com",
        "c@example.com",
    ]
    assert normalize_many(given) == ["b@example.com", "A@example.com", "c@example.com"]
    assert normalize_many(None) == []


def test_address_party_cc_is_normalised_and_never_repeats_to():
    party = address_party(
        "Pagos@Transportes.example.com",
        ["contaduria@transportes.example.com", "roto@", "PAGOS@transportes.example.com"],
    )
    assert party.skip_reason is None
    assert party.to == ["Pagos@transportes.example.com"]
    assert party.cc == ["contaduria@transportes.example.com"]


@pytest.mark.parametrize(
    ("email", "kwargs", "reason"),
    [
        (None, {}, "no_email"),
        ("   ", {}, "no_email"),
        ("carlos@@example.com", {}, "malformed_email"),
        ("lucia@example.com", {"opted_out": True}, "opted_out"),
        ("jorge@example.com", {"active": False}, "inactive"),
    ],
)
def test_address_party_skip_reasons(email, kwargs, reason):
    party = address_party(email, [], **kwargs)
    assert party.skip_reason == reason
    assert party.to == [] and party.cc == []
