"""A cron schedule that says its time zone: the DAG list shows `0 8 1 * * (Buenos Aires)`.

Airflow's `CronTriggerTimetable` runs the cron in the family's time zone but shows only the cron
("0 8 1 * *", "At 08:00, on day 1 of the month"), which readers take for UTC. This subclass only
adds the zone to `summary` and `description`; scheduling and serialization are Airflow's. The
plugin registers it (the scheduler rebuilds a custom timetable only from registered classes).
"""

from __future__ import annotations

from typing import Any

from airflow.timetables.trigger import CronTriggerTimetable


def zone_label(zone: Any) -> str:
    """'America/Argentina/Buenos_Aires' -> 'Buenos Aires'."""
    name = str(getattr(zone, "name", None) or zone)
    return name.rsplit("/", 1)[-1].replace("_", " ")


class DealershipCronTimetable(CronTriggerTimetable):
    """`CronTriggerTimetable` whose summary and description name the time zone of the cron."""

    def __init__(self, cron: str, *, timezone: Any, **kwargs: Any) -> None:
        super().__init__(cron, timezone=timezone, **kwargs)
        zone = str(getattr(self._timezone, "name", None) or self._timezone)
        if self.description:
            self.description = f"{self.description}, {zone_label(self._timezone)} time ({zone})"

    @property
    def summary(self) -> str:
        return f"{self._expression} ({zone_label(self._timezone)})"
