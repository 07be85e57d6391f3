"""Family 6, parts issued and not invoiced (repuestos sin facturar): an audit report per run date.

An `issue` stock movement with no `sales_document_id` is a part that left a warehouse and has not
been billed. It is reported when its local date (dealership time zone) is `days` or more before
the run date, to the audit manager: one report for the dealership, or one per branch.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alertas_rapidas.families import FamilySpec
from alertas_rapidas.timing import RunTime

AttachmentFormat = Literal["xlsx", "pdf"]


class NotInvoicedSettings(BaseModel):
    """Settings of `parts_issued_not_invoiced` (the `settings:` block of its config file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(default=7, ge=1, le=365, description="report issues this many days old or older")
    scope: Literal["dealership", "branch"] = "dealership"
    attachments: list[AttachmentFormat] = Field(
        default_factory=lambda: ["xlsx", "pdf"], min_length=1, description="formats of the report"
    )
    body_rows: int = Field(default=10, ge=0, le=100, description="issues listed in the mail body")
    language: Literal["es", "en"] = "es"


def cutoff_date(settings: NotInvoicedSettings, run: RunTime) -> date:
    """The latest local issue date that is reported: run date - days."""
    return run.run_date - timedelta(days=settings.days)


def sql_params(settings: NotInvoicedSettings, run: RunTime) -> dict[str, Any]:
    return {
        "tz": run.timezone,
        "at": run.at,
        "run_date": run.run_date,
        "cutoff": cutoff_date(settings, run),
    }


FAMILY = FamilySpec(
    key="parts_issued_not_invoiced",
    settings_model=NotInvoicedSettings,
    queries={
        "issues": "parts_issued_not_invoiced/issues.sql",
        "auditors": "parts_issued_not_invoiced/auditors.sql",
    },
    sql_params=sql_params,
    transform="alertas_rapidas.transforms.parts_issued_not_invoiced:build_plan",
)
