"""Family 9, supplier payments ready to collect (pagos listos para retirar).

Each payment order that became ready for pickup (`ready_at`) in the run's window
`[T - interval, T)` and is still `ready_for_pickup` is announced to its supplier, once.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from alertas_rapidas.families import FamilySpec
from alertas_rapidas.timing import RunTime

DEFAULT_PICKUP_ES = (
    "En la tesorería de la sucursal que emitió la orden, de lunes a viernes de 9 a 13 h. "
    "Presente este aviso y la constancia de CUIT."
)
DEFAULT_PICKUP_EN = (
    "At the treasury of the branch that issued the order, Monday to Friday, 9 am to 1 pm. "
    "Please bring this notice and your tax ID (CUIT) certificate."
)


class PickupText(BaseModel):
    """Where to collect, per language, for orders whose `pickup_location` is empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    es: str = Field(default=DEFAULT_PICKUP_ES, min_length=3, max_length=1000)
    en: str = Field(default=DEFAULT_PICKUP_EN, min_length=3, max_length=1000)

    def for_language(self, language: str) -> str:
        return self.en if language == "en" else self.es


class SupplierPaymentSettings(BaseModel):
    """Settings of `supplier_payments_ready` (the `settings:` block of its config file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pickup_text: PickupText = Field(
        default=PickupText(), description="where to collect when the order has no pickup_location"
    )


def sql_params(settings: SupplierPaymentSettings, run: RunTime) -> dict[str, Any]:
    return {"window_start": run.window_start, "window_end": run.window_end}


FAMILY = FamilySpec(
    key="supplier_payments_ready",
    settings_model=SupplierPaymentSettings,
    queries={
        "orders": "supplier_payments_ready/orders.sql",
        "items": "supplier_payments_ready/items.sql",
    },
    sql_params=sql_params,
    transform="alertas_rapidas.transforms.supplier_payments_ready:build_plan",
)
