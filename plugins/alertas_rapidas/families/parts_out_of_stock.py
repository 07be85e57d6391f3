"""Family 4, parts out of stock (repuestos sin stock): one report per scope unit and run date.

A part is out of stock in a scope unit (a warehouse, a branch or the dealership) when its
available stock summed over the unit's warehouses is <= 0 (`DMS_SCHEMA.md`: on hand - reserved
+ incoming - outgoing pending transfers). Stock is a "now" table fed by the STOCK_SYNC
interface: the config makes the run wait for STOCK_SYNC to be fresh, and a backfill of a past
date reports the stock as it is when the backfill runs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alertas_rapidas.families import FamilySpec
from alertas_rapidas.timing import RunTime

Scope = Literal["warehouse", "branch", "dealership"]
AttachmentFormat = Literal["xlsx", "pdf"]


class OutOfStockSettings(BaseModel):
    """Settings of `parts_out_of_stock` (the `settings:` block of its config file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scope: Scope = "branch"
    only_min_stock: bool = Field(default=False, description="report only parts with min_stock > 0")
    attachments: list[AttachmentFormat] = Field(
        default_factory=lambda: ["xlsx", "pdf"], min_length=1, description="formats of the full list"
    )
    body_rows: int = Field(default=10, ge=0, le=100, description="parts listed in the mail body")
    language: Literal["es", "en"] = "es"


def sql_params(settings: OutOfStockSettings, run: RunTime) -> dict[str, Any]:
    # No time parameter on purpose: stock and pending transfers are the DMS's current state.
    return {"scope": settings.scope, "only_min_stock": settings.only_min_stock}


FAMILY = FamilySpec(
    key="parts_out_of_stock",
    settings_model=OutOfStockSettings,
    queries={
        "out_of_stock": "parts_out_of_stock/out_of_stock.sql",
        "staff": "parts_out_of_stock/staff.sql",
    },
    sql_params=sql_params,
    transform="alertas_rapidas.transforms.parts_out_of_stock:build_plan",
)
