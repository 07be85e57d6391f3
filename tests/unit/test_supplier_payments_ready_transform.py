"""The pure transform of `supplier_payments_ready` on small frames shaped like its two extracts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from alertas_rapidas.families.supplier_payments_ready import (
    DEFAULT_PICKUP_EN,
    DEFAULT_PICKUP_ES,
    SupplierPaymentSettings,
    sql_params,
)
from alertas_rapidas.timing import resolve_run_time
from alertas_rapidas.transforms.supplier_payments_ready import build_plan

BA = "America/Argentina/Buenos_Aires"
RUN = resolve_run_time(
    timezone=BA,
    logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
    run_after=None,
    interval=timedelta(hours=1),
)

ORDER_COLUMNS = [
    "order_id",
    "number",
    "currency",
    "amount",
    "ready_at",
    "pickup_location",
    "supplier_id",
    "supplier_code",
    "legal_name",
    "tax_id",
    "email",
    "language",
    "active",
    "branch_name",
    "branch_email",
    "dealership_name",
    "dealership_tax_id",
]
ITEM_COLUMNS = ["order_id", "line_no", "supplier_invoice_number", "description", "amount"]

SUPPLIERS: dict[int, dict[str, Any]] = {
    1: {"email": "Cobranzas@RepuestosDelPlata.example.net"},
    2: {"email": "receivables@pacific.example.net", "language": "en"},
    3: {"email": None},
    4: {"email": "cristales.norte.example.net"},
    5: {"email": "belgrano@example.net", "active": False},
    6: {"email": "  "},
}


def order(
    order_id: int,
    supplier_id: int,
    *,
    amount: str = "3205118.75",
    currency: str = "ARS",
    ready: datetime = datetime(2026, 11, 1, 10, 15, tzinfo=UTC),
    pickup: str | None = "Tesorería Casa Central",
) -> dict[str, Any]:
    supplier = SUPPLIERS[supplier_id]
    return {
        "order_id": order_id,
        "number": f"0001-{order_id:08d}",
        "currency": currency,
        "amount": Decimal(amount),
        "ready_at": ready,
        "pickup_location": pickup,
        "supplier_id": supplier_id,
        "supplier_code": f"S{supplier_id:02d}",
        "legal_name": f"Proveedor {supplier_id}",
        "tax_id": "30-70812345-1",
        "email": supplier["email"],
        "language": supplier.get("language", "es"),
        "active": supplier.get("active", True),
        "branch_name": "Casa Central",
        "branch_email": None,
        "dealership_name": "Autosur S.A.",
        "dealership_tax_id": "30-71234567-8",
    }


def frames(orders: list[dict[str, Any]], items: list[tuple] | None = None) -> dict[str, pd.DataFrame]:
    return {
        "orders": pd.DataFrame(orders, columns=ORDER_COLUMNS),
        "items": pd.DataFrame(items or [], columns=ITEM_COLUMNS),
    }


def sample() -> dict[str, pd.DataFrame]:
    orders = [
        order(7, 1),
        order(
            9,
            2,
            amount="12480.00",
            currency="USD",
            pickup=None,
            ready=datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
        ),
        order(13, 1, amount="50000.00", pickup="   "),
        order(8, 3),
        order(10, 4),
        order(11, 5),
        order(12, 6),
    ]
    items = [
        (7, 2, "A 0002-00039755", "Accesorios", Decimal("205118.75")),
        (7, 1, "A 0002-00039741", "Repuestos", Decimal("3000000.00")),
        (9, 1, "INV-0815", "Brake pads", Decimal("12480.00")),
    ]
    return frames(orders, items)


def by_key(plan):
    return {m.business_key: m for m in plan.messages}


def test_one_message_per_order_even_for_the_same_supplier():
    plan = build_plan(sample(), SupplierPaymentSettings(), RUN)
    assert plan.candidates == 7
    assert [(m.recipient_ref, m.business_key) for m in plan.messages] == [
        ("supplier:1", "payment_ready:7"),
        ("supplier:2", "payment_ready:9"),
        ("supplier:1", "payment_ready:13"),
    ]
    message = by_key(plan)["payment_ready:7"]
    assert message.to == ["Cobranzas@repuestosdelplata.example.net"]
    assert (message.cc, message.bcc, message.attachments) == ([], [], [])
    assert message.display_name == "Proveedor 1"


def test_order_context_amount_items_and_local_ready_time():
    context = by_key(build_plan(sample(), SupplierPaymentSettings(), RUN))["payment_ready:7"].context
    assert context["order"] == {
        "id": 7,
        "number": "0001-00000007",
        "currency": "ARS",
        "amount": 320_511_875,
        "ready_date": "2026-11-01",
        "ready_time": "07:15",
    }
    assert context["items"] == [
        {"invoice_number": "A 0002-00039741", "description": "Repuestos", "amount": 300_000_000},
        {"invoice_number": "A 0002-00039755", "description": "Accesorios", "amount": 20_511_875},
    ]
    assert context["pickup"] == "Tesorería Casa Central"
    assert context["pickup_is_default"] is False
    assert context["dealership"] == {
        "name": "Autosur S.A.",
        "tax_id": "30-71234567-8",
        "branch": "Casa Central",
    }
    assert (
        by_key(build_plan(sample(), SupplierPaymentSettings(), RUN))["payment_ready:13"].context["items"]
        == []
    )


def test_pickup_text_in_the_suppliers_language_when_the_order_names_no_place():
    plan = build_plan(sample(), SupplierPaymentSettings(), RUN)
    english = by_key(plan)["payment_ready:9"]
    assert english.language == "en"
    assert english.context["pickup"] == DEFAULT_PICKUP_EN
    assert english.context["order"]["ready_time"] == "07:00"
    assert by_key(plan)["payment_ready:13"].context["pickup"] == DEFAULT_PICKUP_ES  # blank counts as none

    custom = SupplierPaymentSettings(pickup_text={"es": "Caja de Casa Central, de 8 a 12 h."})
    plan = build_plan(sample(), custom, RUN)
    assert by_key(plan)["payment_ready:13"].context["pickup"] == "Caja de Casa Central, de 8 a 12 h."
    assert by_key(plan)["payment_ready:9"].context["pickup"] == DEFAULT_PICKUP_EN


def test_suppliers_without_a_usable_address_are_skipped_with_a_reason():
    plan = build_plan(sample(), SupplierPaymentSettings(), RUN)
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("supplier:3", "payment_ready:8", "no_email"),
        ("supplier:4", "payment_ready:10", "malformed_email"),
        ("supplier:5", "payment_ready:11", "inactive"),
        ("supplier:6", "payment_ready:12", "no_email"),
    ]


def test_nothing_ready_gives_an_empty_plan():
    plan = build_plan(frames([]), SupplierPaymentSettings(), RUN)
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


def test_sql_params_are_the_hour_window():
    assert sql_params(SupplierPaymentSettings(), RUN) == {
        "window_start": datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
        "window_end": datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
    }


@pytest.mark.parametrize(
    "bad", [{"pickup_text": {"fr": "Caisse"}}, {"pickup_text": {"es": ""}}, {"pickup": "x"}]
)
def test_settings_are_validated(bad):
    with pytest.raises(ValidationError):
        SupplierPaymentSettings(**bad)
