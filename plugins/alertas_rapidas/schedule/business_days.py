"""A cron schedule that fires on business days only: Monday to Friday, minus national holidays.

`BusinessDaysTimetable("0 8 * * *", "America/Argentina/Buenos_Aires")` fires at 08:00 local time
on every Monday-to-Friday date that is neither a national holiday of the country (from the
maintained `holidays` library) nor one of the configured extra dates.

A scheduled run fires at its instant T (`run_after = T`, and the run id carries T, as with
Airflow's `CronTriggerTimetable`). Its data interval runs from the previous business fire instant
to T, so a Monday 08:00 run covers Friday 08:00 -> Monday 08:00 and nothing falls between two runs.
Airflow 3.3 derives a run's `logical_date` from the data interval's start (`DagRunInfo.logical_date`
is `data_interval.start`, the same as for a `CronTriggerTimetable` with an `interval`), so code that
needs T should read `run_after` or `data_interval_end`, not `logical_date`.

Missed fires are dropped (`alertas_rapidas.schedule.missed_fires`): the first scheduled run after a pause is
the next business fire, not the latest missed one, unless `catch_up_last_missed` asks for
Airflow's rule.

The scheduler can only rebuild a custom timetable that a plugin registers: `alertas_ui_plugin`
lists this class in its `timetables`, and DAG files must import it from this module
(`alertas_rapidas.schedule.business_days`), since the registration is keyed by the class's import path.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, Timetable
from croniter import croniter

from alertas_rapidas.schedule.missed_fires import first_fire_without_catch_up

if TYPE_CHECKING:
    from airflow.timetables.base import TimeRestriction
    from pendulum import DateTime

# The smallest step of a datetime: "at or after t" is "strictly after t - _TICK".
_TICK = timedelta(microseconds=1)
# A cron that never lands on a business day (e.g. Saturdays only) must fail, not loop forever.
_MAX_STEPS = 10_000

# For the description only; any other country reads "national holidays of XX".
_COUNTRY_ADJECTIVES = {
    "AR": "Argentine",
    "BO": "Bolivian",
    "BR": "Brazilian",
    "CL": "Chilean",
    "CO": "Colombian",
    "ES": "Spanish",
    "MX": "Mexican",
    "PE": "Peruvian",
    "PY": "Paraguayan",
    "US": "US",
    "UY": "Uruguayan",
}


@functools.lru_cache(maxsize=512)
def national_holidays(country: str, year: int) -> frozenset[date]:
    """The public holidays of `country` (ISO 3166 code) in `year`, cached per (country, year).

    The cache is module-wide, not per instance: the scheduler deserializes the DAG's timetable
    again and again, and each copy would otherwise rebuild the same calendar.
    """
    # Imported here so parsing a DAG file that uses the timetable never pays for the library
    # (~0.1 s); only the scheduler / DAG processor computing fire times does, once.
    import holidays

    try:
        calendar = holidays.country_holidays(country, years=year)
    except NotImplementedError as exc:  # the library's answer to an unknown country code
        raise ValueError(f"the holidays library has no calendar for country {country!r}") from exc
    return frozenset(calendar.keys())


def _as_date(value: date | str) -> date:
    # Config files may hand over ISO strings; a datetime is a date too, but its own date is meant.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class BusinessDaysTimetable(Timetable):
    """Fire at a cron's instants, in a time zone, on business days of a country only.

    :param cron: a 5-field cron expression, read in `timezone` (e.g. ``"0 8 * * *"``).
    :param timezone: an IANA time zone name (e.g. ``"America/Argentina/Buenos_Aires"``).
    :param extra_holidays: further non-business dates (company holidays, bridge days).
    :param country: the ISO 3166 country whose national holidays are skipped.
    :param catch_up_last_missed: Airflow's own rule: without catchup, the latest missed fire still
        runs (e.g. at once when the DAG is unpaused). Default: only fires from now on run.
    """

    def __init__(
        self,
        cron: str,
        timezone: str,
        *,
        extra_holidays: Iterable[date | str] = (),
        country: str = "AR",
        catch_up_last_missed: bool = False,
    ) -> None:
        expression = " ".join(str(cron).split())
        # Validate here, cheaply, so a typo fails when the DAG file is parsed, not in the scheduler.
        if len(expression.split()) != 5 or not croniter.is_valid(expression):
            raise ValueError(f"cron must be a valid 5-field cron expression, got {cron!r}")
        try:
            zone = ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {timezone!r}") from exc
        code = str(country).strip().upper()
        if not (code.isalpha() and len(code) in (2, 3)):
            raise ValueError(f"country must be an ISO 3166 code such as 'AR', got {country!r}")
        self._expression = expression
        self._timezone_name = str(timezone)
        self._zone = zone
        self._country = code
        self._extra_holidays = frozenset(_as_date(d) for d in extra_holidays)
        self.catch_up_last_missed = bool(catch_up_last_missed)

    # -- configuration -------------------------------------------------------------------------

    @property
    def cron(self) -> str:
        return self._expression

    @property
    def timezone(self) -> str:
        return self._timezone_name

    @property
    def country(self) -> str:
        return self._country

    @property
    def extra_holidays(self) -> tuple[date, ...]:
        return tuple(sorted(self._extra_holidays))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self._expression!r}, {self._timezone_name!r}, "
            f"extra_holidays={[d.isoformat() for d in self.extra_holidays]!r}, country={self._country!r}, "
            f"catch_up_last_missed={self.catch_up_last_missed!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessDaysTimetable):
            return NotImplemented
        return self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash(
            (
                self._expression,
                self._timezone_name,
                self._country,
                self.extra_holidays,
                self.catch_up_last_missed,
            )
        )

    # -- the calendar --------------------------------------------------------------------------

    def is_business_day(self, d: date) -> bool:
        """Whether the local date `d` is Monday to Friday and no holiday (national or extra)."""
        d = _as_date(d)
        # Weekends first: they need no holiday calendar at all.
        if d.weekday() >= 5 or d in self._extra_holidays:
            return False
        return d not in national_holidays(self._country, d.year)

    def next_fire(self, after: datetime) -> DateTime:
        """The first business fire instant at or after `after` (a tz-aware datetime), in UTC."""
        return self._next_business(self._cron_after(self._aware(after, "after") - _TICK))

    def previous_fire(self, at: datetime) -> DateTime:
        """The latest business fire instant strictly before `at` (a tz-aware datetime), in UTC."""
        candidate = self._cron_before(self._aware(at, "at"))
        for _ in range(_MAX_STEPS):
            day = self._local_date(candidate)
            if self.is_business_day(day):
                return candidate
            # Skip the rest of a non-business day at once, not fire by fire (think "*/5 * * * *").
            candidate = self._cron_before(self._start_of_day(day))
        raise ValueError(f"{self!r} has no business-day fire before {at.isoformat()}")

    def _next_after(self, at: datetime) -> DateTime:
        # Strictly after: the run after the one that fired at `at`.
        return self._next_business(self._cron_after(self._aware(at, "at")))

    def _next_business(self, candidate: DateTime) -> DateTime:
        for _ in range(_MAX_STEPS):
            day = self._local_date(candidate)
            if self.is_business_day(day):
                return candidate
            candidate = self._cron_after(self._start_of_day(day + timedelta(days=1)) - _TICK)
        raise ValueError(f"{self!r} never fires on a business day after {candidate.isoformat()}")

    # -- cron arithmetic in local wall-clock time ----------------------------------------------

    @staticmethod
    def _aware(value: datetime, name: str) -> DateTime:
        # A naive datetime could mean UTC (Airflow's convention) or local time (a reader's): refuse
        # to guess rather than fire an hour or three off.
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be a tz-aware datetime, got {value.isoformat()}")
        return pendulum.instance(value).in_timezone("UTC")

    def _to_instant(self, local: datetime) -> DateTime:
        # fold=0 (PEP 495): a wall-clock time that occurs twice (DST ends) fires once, the first
        # time; one that does not exist (DST starts) fires that much later, e.g. 02:30 -> 03:30.
        aware = local.replace(tzinfo=self._zone, fold=0)
        return pendulum.instance(aware.astimezone(UTC)).in_timezone("UTC")

    def _local_naive(self, instant: datetime) -> datetime:
        return instant.astimezone(self._zone).replace(tzinfo=None)

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self._zone).date()

    def _start_of_day(self, day: date) -> DateTime:
        return self._to_instant(datetime.combine(day, time.min))

    def _cron_after(self, at: DateTime) -> DateTime:
        """The first cron instant strictly after `at`, ignoring the business calendar."""
        it = croniter(self._expression, start_time=self._local_naive(at))
        for _ in range(_MAX_STEPS):
            candidate = self._to_instant(it.get_next(datetime))
            # Across a DST fold a later wall-clock time can be an earlier instant: step on.
            if candidate > at:
                return candidate
        raise ValueError(f"{self!r}: no cron instant after {at.isoformat()}")

    def _cron_before(self, at: DateTime) -> DateTime:
        """The latest cron instant strictly before `at`, ignoring the business calendar."""
        it = croniter(self._expression, start_time=self._local_naive(at))
        for _ in range(_MAX_STEPS):
            candidate = self._to_instant(it.get_prev(datetime))
            if candidate < at:
                return candidate
        raise ValueError(f"{self!r}: no cron instant before {at.isoformat()}")

    @staticmethod
    def _now() -> DateTime:
        # A method of its own so tests can pin "now" without patching the clock.
        return pendulum.now("UTC")

    # -- the Timetable protocol ----------------------------------------------------------------

    @property
    def summary(self) -> str:
        return f"{self._expression} (business days, {self._country})"

    @property
    def description(self) -> str:  # type: ignore[override]
        """E.g. "At 08:00, Monday to Friday except Argentine national holidays (America/...)"."""
        from cron_descriptor import CasingTypeEnum, ExpressionDescriptor  # Airflow's own dependency

        try:
            when = ExpressionDescriptor(
                self._expression, casing_type=CasingTypeEnum.Sentence, use_24hour_time_format=True
            ).get_description()
        except Exception:  # the descriptor rejects some valid croniter syntax: show the cron then
            when = self._expression
        adjective = _COUNTRY_ADJECTIVES.get(self._country)
        holidays_text = (
            f"{adjective} national holidays" if adjective else f"national holidays of {self._country}"
        )
        extra = len(self._extra_holidays)
        if extra:
            holidays_text += f" and {extra} extra date{'s' if extra != 1 else ''}"
        fields = self._expression.split()
        if fields[2] == "*" and fields[4] == "*":
            days = f"Monday to Friday except {holidays_text}"
        else:
            # The cron already restricts the days: business days narrow them further.
            days = f"only on business days (Monday to Friday except {holidays_text})"
        return f"{when}, {days} ({self._timezone_name})"

    def serialize(self) -> dict[str, Any]:
        return {
            "cron": self._expression,
            "timezone": self._timezone_name,
            "extra_holidays": [d.isoformat() for d in self.extra_holidays],
            "country": self._country,
            "catch_up_last_missed": self.catch_up_last_missed,
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> BusinessDaysTimetable:
        return cls(
            data["cron"],
            data["timezone"],
            extra_holidays=[date.fromisoformat(d) for d in data.get("extra_holidays", ())],
            country=data.get("country", "AR"),
            catch_up_last_missed=data.get("catch_up_last_missed", False),
        )

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        # A manual run always runs, whatever the calendar says; it covers what happened since the
        # last business fire, as a scheduled run at that instant would.
        end = self._aware(run_after, "run_after")
        return DataInterval(start=self.previous_fire(end), end=end)

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        if restriction.catchup:
            if last_automated_data_interval is not None:
                fire = self._next_after(last_automated_data_interval.end)
            elif restriction.earliest is None:
                fire = self.next_fire(self._now())
            else:
                fire = self.next_fire(restriction.earliest)
        elif not self.catch_up_last_missed:
            fire = first_fire_without_catch_up(
                now=self._now(),
                fire_at_or_after=self.next_fire,
                fire_after=self._next_after,
                last_fire=last_automated_data_interval.end if last_automated_data_interval else None,
                earliest=restriction.earliest,
            )
        else:
            # Airflow's rule (CronTriggerTimetable without catchup): of the missed fires, the
            # latest one at or before now still runs.
            candidates = [self.previous_fire(self._now() + _TICK)]
            if last_automated_data_interval is not None:
                candidates.append(self._next_after(last_automated_data_interval.end))
            elif restriction.earliest is None:
                candidates.append(self.next_fire(self._now()))
            if restriction.earliest is not None:
                candidates.append(self.next_fire(restriction.earliest))
            fire = max(candidates)
        if restriction.latest is not None and fire > restriction.latest:
            return None
        return DagRunInfo.interval(start=self.previous_fire(fire), end=fire)
