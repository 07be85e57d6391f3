"""`backorders_arrived`: typed settings, SQL files and SQL parameters (the rule: `description` in
dags/families/backorders_arrived.yaml; the transform: `transform.py` beside this file)."""

from __future__ import annotations

from typing import Any, Literal

from alertas_rapidas.families import FamilyDefinition, own_queries, window_params
from alertas_rapidas.families._common import EmployeeRole
from alertas_rapidas.models import StrictModel
from alertas_rapidas.schedule.run_time import RunTime


class BackordersSettings(StrictModel):
    """Settings of `backorders_arrived` (the `settings:` block of its config file)."""

    fallback_role: EmployeeRole = "parts_manager"
    language: Literal["es", "en"] = "es"


def sql_params(settings: BackordersSettings, run: RunTime) -> dict[str, Any]:
    return {
        **window_params(run),
        "fallback_role": settings.fallback_role,
    }


FAMILY = FamilyDefinition(
    key="backorders_arrived",
    settings_model=BackordersSettings,
    queries=own_queries("backorders_arrived", "arrivals", "pending_lines", "fallback_staff"),
    sql_params=sql_params,
)
