"""`payments_pending_authorization`: typed settings, SQL files and SQL parameters (the rule: `description` in
dags/families/payments_pending_authorization.yaml; the transform: `transform.py` beside this file)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field

from alertas_rapidas.families import FamilyDefinition, own_queries, window_params
from alertas_rapidas.families._common import EmployeeRole
from alertas_rapidas.models import StrictModel
from alertas_rapidas.schedule.run_time import RunTime


class PaymentsPendingSettings(StrictModel):
    """Settings of `payments_pending_authorization` (the `settings:` block of its config file)."""

    remind_after_hours: int = Field(
        default=24, ge=1, le=720, description="remind when still pending this many hours after creation"
    )
    reminder_from_hour: int = Field(
        default=8, ge=0, le=23, description="reminders only from runs at or after this local hour"
    )
    fallback_role: EmployeeRole = "payment_authorizer"
    language: Literal["es", "en"] = "es"


def sql_params(settings: PaymentsPendingSettings, run: RunTime) -> dict[str, Any]:
    return {
        **window_params(run),
        # An order is due a reminder when its age at T is at least remind_after_hours.
        "remind_before": run.at - timedelta(hours=settings.remind_after_hours),
        "fallback_role": settings.fallback_role,
    }


FAMILY = FamilyDefinition(
    key="payments_pending_authorization",
    settings_model=PaymentsPendingSettings,
    queries=own_queries("payments_pending_authorization", "orders", "items", "authorizers"),
    sql_params=sql_params,
    parents={"items": ("orders", "order_id")},  # run with the parent's ids as %(parent_keys)s
)
