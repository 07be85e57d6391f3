"""`supplier_payments_ready`, the first configured family, on small frames shaped like its queries:
the engine's transform of its YAML, case for case what the old Python transform was tested for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from alertas_rapidas.config import load_family_config
from alertas_rapidas.engine.family import family_for
from alertas_rapidas.families import load_transform
from alertas_rapidas.paths import FAMILIES_DIR
from alertas_rapidas.schedule.run_time import resolve_run_time
from tests.support.family_files import refusal

BA = "America/Argentina/Buenos_Aires"
FILE = FAMILIES_DIR / "supplier_payments_ready.yaml"
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
DEALERSHIP_COLUMNS = ["id", "code", "name", "tax_id", "local_currency"]  # sql/_engine/dealership.sql

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
        "rows": pd.DataFrame(orders, columns=ORDER_COLUMNS),
        "invoices": pd.DataFrame(items or [], columns=ITEM_COLUMNS),
        "_dealership": pd.DataFrame(
            [(1, "AUTOSUR", "Autosur S.A.", "30-71234567-8", "ARS")], columns=DEALERSHIP_COLUMNS
        ),
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
        (7, 1, "A 0002-00039741", "Repuestos", Decimal("3000000.00")),
        (7, 2, "A 0002-00039755", "Accesorios", Decimal("205118.75")),
        (9, 1, "INV-0815", "Brake pads", Decimal("12480.00")),
    ]
    return frames(orders, items)


CONFIG, SETTINGS = load_family_config(FILE)
FAMILY = family_for(CONFIG)
YAML_PICKUP = yaml.safe_load(FILE.read_text(encoding="utf-8"))["settings"]["pickup_text"]


def build_plan(frames: dict[str, pd.DataFrame], settings=SETTINGS):
    return load_transform(FAMILY)(frames, settings, RUN)


def by_key(plan):
    return {m.business_key: m for m in plan.messages}


def pickup(message) -> str:
    """Where to collect, as the templates say it: the order's place, else the setting's text."""
    row, settings = message.context["row"], message.context["settings"]
    return row["pickup_location"] or settings["pickup_text"][message.language]


def test_one_message_per_order_even_for_the_same_supplier():
    plan = build_plan(sample())
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


def test_order_context_amount_invoices_and_local_ready_time():
    plan = build_plan(sample())
    context = by_key(plan)["payment_ready:7"].context
    row = context["row"]
    assert (row["order_id"], row["number"], row["currency"]) == (7, "0001-00000007", "ARS")
    assert row["amount"] == 320_511_875  # cents, exactly
    assert row["ready_at"] == "2026-11-01T07:15:00-03:00"  # the dealership's local time
    assert [
        (item["supplier_invoice_number"], item["description"], item["amount"]) for item in row["invoices"]
    ] == [
        ("A 0002-00039741", "Repuestos", 300_000_000),
        ("A 0002-00039755", "Accesorios", 20_511_875),
    ]
    assert pickup(by_key(plan)["payment_ready:7"]) == "Tesorería Casa Central"
    assert context["dealership"]["name"] == "Autosur S.A."
    assert context["dealership"]["tax_id"] == "30-71234567-8"
    assert row["branch_name"] == "Casa Central"
    assert by_key(plan)["payment_ready:13"].context["row"]["invoices"] == []


def test_pickup_text_in_the_suppliers_language_when_the_order_names_no_place():
    plan = build_plan(sample())
    english = by_key(plan)["payment_ready:9"]
    assert english.language == "en"
    assert pickup(english) == YAML_PICKUP["en"]
    assert english.context["row"]["ready_at"] == "2026-11-01T07:00:00-03:00"
    assert pickup(by_key(plan)["payment_ready:13"]) == YAML_PICKUP["es"]  # blank counts as none

    custom = type(SETTINGS)(pickup_text={"es": "Caja de Casa Central, de 8 a 12 h.", "en": YAML_PICKUP["en"]})
    plan = build_plan(sample(), custom)
    assert pickup(by_key(plan)["payment_ready:13"]) == "Caja de Casa Central, de 8 a 12 h."
    assert pickup(by_key(plan)["payment_ready:9"]) == YAML_PICKUP["en"]


def test_suppliers_without_a_usable_address_are_skipped_with_a_reason():
    plan = build_plan(sample())
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("supplier:3", "payment_ready:8", "no_email"),
        ("supplier:4", "payment_ready:10", "malformed_email"),
        ("supplier:5", "payment_ready:11", "inactive"),
        ("supplier:6", "payment_ready:12", "no_email"),
    ]


def test_nothing_ready_gives_an_empty_plan():
    plan = build_plan(frames([]))
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


def test_sql_params_give_the_hour_window():
    params = FAMILY.sql_params(SETTINGS, RUN)
    assert params["window_start"] == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    assert params["window_end"] == datetime(2026, 11, 1, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"fr": "Caisse"}, "settings.pickup_text.fr: unknown field; allowed: en, es"),
        ({"es": "", "en": "At the treasury"}, "settings.pickup_text.es: String should have at least 1"),
        ("En la tesorería", "settings.pickup_text: Input should be a valid dictionary"),
    ],
)
def test_settings_are_validated(tmp_path: Path, bad, field):
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    data["settings"]["pickup_text"] = bad
    _refused(tmp_path, data, field)


def test_an_unknown_setting_is_refused(tmp_path: Path):
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    data["settings"]["pickup"] = "x"
    _refused(tmp_path, data, "settings.pickup: unknown field")


def _refused(tmp_path: Path, data: dict[str, Any], field: str) -> None:
    assert f"  - {field}" in refusal(tmp_path / FILE.name, data)
