"""`invoices_due_soon`: typed settings, SQL files and SQL parameters (the rule: `description` in
dags/families/invoices_due_soon.yaml; the transform: `transform.py` beside this file)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import Field, StrictInt, field_validator

from alertas_rapidas.families import FamilyDefinition, own_queries
from alertas_rapidas.families import window_params as window_params
from alertas_rapidas.models import StrictModel
from alertas_rapidas.schedule.run_time import RunTime

# Strict: a YAML `true` is no lead time.
LeadTime = Annotated[StrictInt, Field(ge=0, le=90)]


class DueSoonSettings(StrictModel):
    """Settings of `invoices_due_soon` (the `settings:` block of its config file)."""

    days_before: LeadTime | list[LeadTime] = Field(
        default=[5, 1],
        description="days before the due date to remind: one number or a list, each 0..90",
    )
    attach_documents: bool = Field(default=False, description="attach each listed document as a PDF")

    @field_validator("days_before")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("must be a number of days (0..90) or a non-empty list of them")
        return value

    def lead_times(self) -> list[int]:
        """The lead times, distinct, largest first."""
        values = [self.days_before] if isinstance(self.days_before, int) else self.days_before
        return sorted(set(values), reverse=True)


def due_dates(settings: DueSoonSettings, run: RunTime) -> list[date]:
    return [run.run_date + timedelta(days=days) for days in settings.lead_times()]


def sql_params(settings: DueSoonSettings, run: RunTime) -> dict[str, Any]:
    return {
        "run_date": run.run_date,
        "due_dates": due_dates(settings, run),
        "attach_documents": settings.attach_documents,
    }


FAMILY = FamilyDefinition(
    key="invoices_due_soon",
    settings_model=DueSoonSettings,
    queries=own_queries("invoices_due_soon", "documents", "lines"),
    sql_params=sql_params,
    parents={"lines": ("documents", "document_id")},  # run with the parent's ids as %(parent_keys)s
)
