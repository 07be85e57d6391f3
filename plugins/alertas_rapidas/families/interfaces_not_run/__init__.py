"""`interfaces_not_run`: typed settings, SQL files and SQL parameters (the rule: `description` in
dags/families/interfaces_not_run.yaml; the transform: `transform.py` beside this file)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator

from alertas_rapidas.families import FamilyDefinition, own_queries
from alertas_rapidas.families import window_params as window_params
from alertas_rapidas.families._common import EmployeeRole
from alertas_rapidas.freshness import FRESHNESS_SQL
from alertas_rapidas.models import StrictModel
from alertas_rapidas.schedule.run_time import RunTime


class InterfaceLimit(StrictModel):
    """One watched interface: stale when no successful run finished within `max_age` before T."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,48}$")
    max_age: timedelta
    recipients_roles: list[EmployeeRole] = Field(default_factory=list)

    @field_validator("max_age")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive duration, e.g. P10D or PT12H")
        return value


DEFAULT_ROLES: tuple[EmployeeRole, ...] = ("interface_admin",)
DEFAULT_INTERFACES = (
    InterfaceLimit(code="PRICE_UPDATE", max_age=timedelta(days=10)),
    InterfaceLimit(code="STOCK_SYNC", max_age=timedelta(days=1)),
    InterfaceLimit(code="EXCHANGE_RATES", max_age=timedelta(days=1)),
    InterfaceLimit(code="FACTORY_REPORTING", max_age=timedelta(days=1)),
)


class InterfacesNotRunSettings(StrictModel):
    """Settings of `interfaces_not_run` (the `settings:` block of its config file)."""

    interfaces: list[InterfaceLimit] = Field(default_factory=lambda: list(DEFAULT_INTERFACES), min_length=1)
    notify_roles: list[EmployeeRole] = Field(default_factory=lambda: list(DEFAULT_ROLES))
    notify_owner: bool = True
    language: Literal["es", "en"] = "es"

    @field_validator("interfaces")
    @classmethod
    def _unique_codes(cls, value: list[InterfaceLimit]) -> list[InterfaceLimit]:
        codes = [item.code for item in value]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValueError(f"each interface code may appear once; repeated: {', '.join(repeated)}")
        return value

    def limits(self) -> dict[str, timedelta]:
        return {item.code: item.max_age for item in self.interfaces}

    def roles(self) -> list[str]:
        """Every role that may be told about some interface."""
        return sorted(
            {*self.notify_roles, *(role for item in self.interfaces for role in item.recipients_roles)}
        )


def sql_params(settings: InterfacesNotRunSettings, run: RunTime) -> dict[str, Any]:
    return {"codes": sorted(settings.limits()), "at": run.at, "roles": settings.roles()}


FAMILY = FamilyDefinition(
    key="interfaces_not_run",
    settings_model=InterfacesNotRunSettings,
    queries={"freshness": FRESHNESS_SQL, **own_queries("interfaces_not_run", "employees", "dealership")},
    sql_params=sql_params,
)
