"""A cron schedule that says its time zone and never runs the past when a family is unpaused.

Airflow's `CronTriggerTimetable` runs the cron in the family's time zone but shows only the cron
("0 8 1 * *", "At 08:00, on day 1 of the month"), which readers take for UTC; this subclass adds
the zone to `summary` and `description` (the DAG list shows `0 8 1 * * (Buenos Aires)`).

It also drops missed fires (`alertas_rapidas.schedule.missed_fires`): with `catchup=False`, Airflow's
timetable creates the latest missed run as soon as a DAG is unpaused; this one waits for the next
fire, unless the family sets `schedule.catch_up_last_missed: true`. The plugin registers the class
(the scheduler rebuilds a custom timetable only from registered classes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.timetables.base import DagRunInfo
from airflow.timetables.trigger import CronTriggerTimetable

from alertas_rapidas.schedule.missed_fires import first_fire_without_catch_up

if TYPE_CHECKING:
    from airflow.timetables.base import DataInterval, TimeRestriction
    from pendulum import DateTime


def zone_label(zone: Any) -> str:
    """'America/Argentina/Buenos_Aires' -> 'Buenos Aires'."""
    name = str(getattr(zone, "name", None) or zone)
    return name.rsplit("/", 1)[-1].replace("_", " ")


class DealershipCronTimetable(CronTriggerTimetable):
    """`CronTriggerTimetable` that names its time zone and, unless told, skips missed fires.

    :param catch_up_last_missed: Airflow's own rule: without catchup, the latest missed fire still
        runs (e.g. at once when the DAG is unpaused). Default: only fires from now on run.
    """

    def __init__(
        self, cron: str, *, timezone: Any, catch_up_last_missed: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(cron, timezone=timezone, **kwargs)
        self.catch_up_last_missed = bool(catch_up_last_missed)
        zone = str(getattr(self._timezone, "name", None) or self._timezone)
        # The cron's own words ("At 08:00, on day 1 of the month"), without the time zone.
        self.cron_description: str = self.description or ""
        if self.description:
            self.description = f"{self.description}, {zone_label(self._timezone)} time ({zone})"

    @property
    def summary(self) -> str:
        return f"{self._expression} ({zone_label(self._timezone)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DealershipCronTimetable):
            return NotImplemented
        return self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash((self._expression, str(self._timezone), self.catch_up_last_missed))

    def serialize(self) -> dict[str, Any]:
        return {**super().serialize(), "catch_up_last_missed": self.catch_up_last_missed}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> DealershipCronTimetable:
        timetable = super().deserialize(data)  # Airflow's fields; the flag is ours
        if not isinstance(timetable, DealershipCronTimetable):  # Airflow builds it as `cls(...)`
            raise TypeError(f"not a DealershipCronTimetable: {type(timetable).__name__}")
        timetable.catch_up_last_missed = bool(data.get("catch_up_last_missed", False))
        return timetable

    @staticmethod
    def _now() -> DateTime:
        # A method of its own so tests can pin "now" without patching the clock.
        import pendulum

        return pendulum.now("UTC")

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        if restriction.catchup or self.catch_up_last_missed:
            return super().next_dagrun_info(
                last_automated_data_interval=last_automated_data_interval, restriction=restriction
            )
        import pendulum  # Airflow's cron helpers take pendulum instants

        last, earliest = last_automated_data_interval, restriction.earliest
        fire = first_fire_without_catch_up(
            now=self._now(),
            fire_at_or_after=self._align_to_next,
            fire_after=self._get_next,
            last_fire=pendulum.instance(last.end) if last else None,
            earliest=pendulum.instance(earliest) if earliest else None,
        )
        if restriction.latest is not None and fire > restriction.latest:
            return None
        return DagRunInfo.interval(fire - self._interval, fire)
