"""The pure transform of `payments_pending_authorization`: kinds, keys and recipient fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from pydantic import ValidationError

from alertas_rapidas.families.payments_pending_authorization import PaymentsPendingSettings, sql_params
from alertas_rapidas.families.payments_pending_authorization.transform import build_plan
from alertas_rapidas.schedule.run_time import resolve_run_time

BA = "America/Argentina/Buenos_Aires"


def run_at(hour_utc: int):
    return resolve_run_time(
        timezone=BA,
        logical_date=datetime(2026, 11, 1, hour_utc, 0, tzinfo=UTC),
        run_after=None,
        interval=timedelta(hours=1),
    )


RUN = run_at(11)  # 08:00 local


def order(order_id: int, kind: str = "request", **overrides) -> dict:
    row = {
        "order_id": order_id,
        "kind": kind,
        "number": f"0001-{order_id:08d}",
        "currency": "ARS",
        "amount": Decimal("1500.25"),
        "created_at": pd.Timestamp("2026-11-01 10:30", tz="UTC"),  # 07:30 local
        "branch_id": 1,
        "branch_name": "Casa Central",
        "dealership_name": "Autosur S.A.",
        "dealership_tax_id": "30-71234567-8",
        "supplier_name": "Repuestos del Plata S.R.L.",
        "supplier_tax_id": "30-70812345-1",
        "authorizer_id": 10,
        "authorizer_name": "Raúl Giménez",
        "authorizer_email": "raul@example.com",
        "authorizer_active": True,
    }
    return {**row, **overrides}


def frames(orders, authorizers=(), items=()):
    return {
        "orders": pd.DataFrame(list(orders)),
        "items": pd.DataFrame(
            list(items), columns=["order_id", "line_no", "supplier_invoice_number", "description", "amount"]
        ),
        "authorizers": pd.DataFrame(
            list(authorizers), columns=["employee_id", "branch_id", "full_name", "email"]
        ),
    }


def test_request_goes_to_the_assigned_authorizer_with_items_in_cents():
    items = [
        (1, 2, "A 0001-00000002", "Filtros", Decimal("500.25")),
        (1, 1, "A 0001-00000001", "Frenos", Decimal("1000.00")),
    ]
    plan = build_plan(frames([order(1)], items=items), PaymentsPendingSettings(), RUN)

    [message] = plan.messages
    assert (message.recipient_ref, message.business_key, message.to) == (
        "employee:10",
        "request:1",
        ["raul@example.com"],
    )
    assert message.display_name == "Raúl Giménez"
    ctx = message.context
    assert ctx["kind"] == "request" and ctx["via_fallback"] is False
    assert ctx["order"]["amount"] == 150025
    assert ctx["order"]["created_date"] == "2026-11-01" and ctx["order"]["created_time"] == "07:30"
    assert [item["invoice"] for item in ctx["order"]["items"]] == ["A 0001-00000001", "A 0001-00000002"]
    assert ctx["order"]["total"] == 150025
    assert message.attachments[0].template == "order"
    assert message.attachments[0].filename == "orden-de-pago-0001-00000001.pdf"
    assert plan.candidates == 1 and plan.skipped == []


def test_reminder_key_carries_the_run_date_and_the_age_in_hours():
    created = pd.Timestamp("2026-10-30 13:00", tz="UTC")  # 10:00 local, 46 h before T
    plan = build_plan(frames([order(4, "reminder", created_at=created)]), PaymentsPendingSettings(), RUN)
    [message] = plan.messages
    assert message.business_key == "reminder:4:2026-11-01"
    assert message.context["pending_hours"] == 46


def test_reminders_wait_for_reminder_from_hour():
    rows = [order(1), order(4, "reminder", created_at=pd.Timestamp("2026-10-30 13:00", tz="UTC"))]
    at_0300 = run_at(6)  # 03:00 local
    plan = build_plan(frames(rows), PaymentsPendingSettings(), at_0300)
    assert [m.business_key for m in plan.messages] == ["request:1"]
    assert plan.candidates == 1
    plan = build_plan(frames(rows), PaymentsPendingSettings(reminder_from_hour=0), at_0300)
    assert [m.business_key for m in plan.messages] == ["request:1", "reminder:4:2026-11-01"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"authorizer_id": None, "authorizer_name": None, "authorizer_email": None, "authorizer_active": None},
        {"authorizer_active": False},
        {"authorizer_email": None},
        {"authorizer_email": "raul@@example.com"},
    ],
    ids=["no_authorizer", "inactive", "no_email", "malformed_email"],
)
def test_unusable_authorizer_falls_back_to_the_branch_role_holders(overrides):
    authorizers = [
        (21, 1, "Mónica Suárez", "monica@example.com"),
        (22, 1, "Pablo Méndez", "pablo@example.com"),
        (23, 1, "Sin Mail", None),  # no usable address: not a recipient
        (24, 2, "Otra Sucursal", "otra@example.com"),
        (25, None, "Toda la concesionaria", "general@example.com"),
    ]
    plan = build_plan(frames([order(2, **overrides)], authorizers), PaymentsPendingSettings(), RUN)
    [message] = plan.messages
    assert message.to == ["monica@example.com", "pablo@example.com"]
    assert message.recipient_ref == "employee:21"
    assert message.display_name is None  # several To addresses: no single name
    assert message.context["via_fallback"] is True
    expected = None if overrides.get("authorizer_id", 10) is None else "Raúl Giménez"
    assert message.context["assigned_authorizer"] == expected


def test_branch_without_role_holder_falls_back_to_dealership_wide_holders():
    authorizers = [(24, 2, "Otra Sucursal", "otra@example.com"), (25, None, "General", "general@example.com")]
    plan = build_plan(frames([order(2, authorizer_id=None)], authorizers), PaymentsPendingSettings(), RUN)
    assert plan.messages[0].to == ["general@example.com"]
    assert plan.messages[0].recipient_ref == "employee:25"


def test_order_nobody_can_receive_is_skipped_with_a_reason():
    authorizers = [(24, 2, "Otra Sucursal", "otra@example.com")]
    rows = [order(3, authorizer_active=False), order(5, "reminder")]
    plan = build_plan(frames(rows, authorizers), PaymentsPendingSettings(), RUN)
    assert [m.business_key for m in plan.messages] == ["reminder:5:2026-11-01"]
    [skip] = plan.skipped
    assert (skip.recipient_ref, skip.business_key, skip.reason) == (
        "payment_order:3",
        "request:3",
        "no_recipient",
    )
    assert plan.candidates == 2


def test_english_setting_names_the_attachment_in_english():
    plan = build_plan(frames([order(1)]), PaymentsPendingSettings(language="en"), RUN)
    assert plan.messages[0].language == "en"
    assert plan.messages[0].attachments[0].filename == "payment-order-0001-00000001.pdf"


def test_no_orders_no_messages():
    empty = {
        "orders": pd.DataFrame(columns=list(order(1))),
        "items": pd.DataFrame(
            columns=["order_id", "line_no", "supplier_invoice_number", "description", "amount"]
        ),
        "authorizers": pd.DataFrame(columns=["employee_id", "branch_id", "full_name", "email"]),
    }
    plan = build_plan(empty, PaymentsPendingSettings(), RUN)
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


def test_sql_params_follow_the_window_and_the_reminder_age():
    params = sql_params(PaymentsPendingSettings(remind_after_hours=36), RUN)
    assert params["window_start"] == RUN.at - timedelta(hours=1)
    assert params["window_end"] == RUN.at
    assert params["remind_before"] == RUN.at - timedelta(hours=36)
    assert params["fallback_role"] == "payment_authorizer"


@pytest.mark.parametrize(
    "bad",
    [{"remind_after_hours": 0}, {"reminder_from_hour": 24}, {"fallback_role": "boss"}, {"remind_after": 24}],
)
def test_settings_are_validated(bad):
    with pytest.raises(ValidationError):
        PaymentsPendingSettings.model_validate(bad)
