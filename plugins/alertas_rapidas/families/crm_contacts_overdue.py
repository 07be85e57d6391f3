"""Family 10, after-sales contacts overdue: a digest per owner, escalations per manager."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from alertas_rapidas.families import FamilySpec
from alertas_rapidas.timing import RunTime


class CrmOverdueSettings(BaseModel):
    """Settings of `crm_contacts_overdue` (the `settings:` block of its config file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days_overdue: int = Field(
        default=1, ge=0, le=365, description="overdue when scheduled_for <= run date - days_overdue"
    )
    escalate_after_days: int = Field(
        default=3, ge=0, le=365, description="also to the owner's manager from this many days overdue"
    )
    language: Literal["es", "en"] = "es"

    @model_validator(mode="after")
    def _escalation_after_overdue(self) -> CrmOverdueSettings:
        if self.escalate_after_days < self.days_overdue:
            raise ValueError(
                f"escalate_after_days ({self.escalate_after_days}) must be at least days_overdue "
                f"({self.days_overdue}): a contact escalates only once it is overdue"
            )
        return self


def sql_params(settings: CrmOverdueSettings, run: RunTime) -> dict[str, Any]:
    return {
        "run_date": run.run_date,
        "scheduled_until": run.run_date - timedelta(days=settings.days_overdue),
    }


FAMILY = FamilySpec(
    key="crm_contacts_overdue",
    settings_model=CrmOverdueSettings,
    queries={"contacts": "crm_contacts_overdue/contacts.sql"},
    sql_params=sql_params,
    transform="alertas_rapidas.transforms.crm_contacts_overdue:build_plan",
)
