"""The families this deployment has (dags/families/*.yaml), as the page lists them.

Each family's file is read once per change of its modification time: the page asks for the list
on every load, and 41 validated configs take a noticeable moment to load.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from alertas_rapidas.families.registry import DAG_FILE_PREFIX, families_folder, family_keys, family_path


@dataclass(frozen=True)
class FamilyInfo:
    key: str
    title: str
    dag_id: str
    cron: str
    timezone: str
    runs_per_day: int  # on a day the schedule fires: 24 for an hourly family
    recurring: bool
    broken: str | None = None  # the config error's first line, when the file does not load

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def families() -> list[FamilyInfo]:
    from alertas_rapidas.config import DEFAULTS_FILE_NAME

    defaults = families_folder() / DEFAULTS_FILE_NAME
    layered = defaults.stat().st_mtime_ns if defaults.exists() else 0
    infos = []
    for key in family_keys():
        path = family_path(key)
        infos.append(_info(str(path), path.stat().st_mtime_ns, layered))
    return infos


@lru_cache(maxsize=256)
def _info(path: str, _mtime: int, _defaults_mtime: int) -> FamilyInfo:
    """One family's entry; cached per modification time of its file and of `_defaults.yaml`."""
    from alertas_rapidas.config import FamilyConfigError, load_family_config
    from alertas_rapidas.schedule.day_runs import runs_per_day

    key = Path(path).stem
    try:
        config, _ = load_family_config(Path(path))
    except FamilyConfigError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return FamilyInfo(key, key, f"{DAG_FILE_PREFIX}{key}", "", "", 1, False, broken=first)
    return FamilyInfo(
        key=config.key,
        title=config.title,
        dag_id=config.dag_id,
        cron=config.schedule.cron,
        timezone=config.timezone,
        runs_per_day=runs_per_day(config, first_firing_day(config)),
        recurring=bool(config.recurring),
    )


def first_firing_day(config: Any) -> date:
    """A day the family's cron fires on (its first in 2026): where its runs per day are counted."""
    from zoneinfo import ZoneInfo

    from croniter import croniter

    start = datetime(2026, 1, 1, tzinfo=ZoneInfo(config.timezone))
    return croniter(config.schedule.cron, start).get_next(datetime).date()
