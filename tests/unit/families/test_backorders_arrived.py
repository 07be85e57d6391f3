"""The pure transform of `backorders_arrived`: oldest-first allocation and recipient fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from alertas_rapidas.families.backorders_arrived import BackordersSettings, sql_params
from alertas_rapidas.families.backorders_arrived.transform import build_plan
from alertas_rapidas.schedule.run_time import resolve_run_time

RUN = resolve_run_time(
    timezone="America/Argentina/Buenos_Aires",
    logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
    run_after=None,
    interval=timedelta(hours=1),
)
WINDOW = "backorders:2026-11-01T08:00-03:00"

LUCIA = {"salesperson_id": 5, "salesperson_name": "Lucía", "salesperson_email": "lucia@example.com"}
JAVIER_INACTIVE = {
    "salesperson_id": 7,
    "salesperson_name": "Javier",
    "salesperson_email": "javier@example.com",
    "salesperson_active": False,
}


def line(order_id: int, pending: str, *, days_ago: int, part_id: int = 1, warehouse_id: int = 1, **extra):
    row = {
        "order_id": order_id,
        "order_created_at": pd.Timestamp("2026-11-01 11:00", tz="UTC") - pd.Timedelta(days=days_ago),
        "line_no": 1,
        "part_id": part_id,
        "warehouse_id": warehouse_id,
        "quantity_ordered": Decimal(pending),
        "quantity_pending": Decimal(pending),
        "customer_id": 100 + order_id,
        "customer_code": f"C{order_id}",
        "customer_name": f"Cliente {order_id}",
        "customer_email": f"cliente{order_id}@example.org",
        "part_code": f"P-{part_id}",
        "part_description": f"Repuesto {part_id}",
        "warehouse_code": f"DEP-{warehouse_id}",
        "warehouse_name": f"Depósito {warehouse_id}",
        "branch_id": 1,
        "branch_name": "Central",
        "dealership_name": "Autosur S.A.",
        **LUCIA,
        "salesperson_active": True,
    }
    row.update(extra)
    return row


def arrivals(*items: tuple[int, int, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"part_id": p, "warehouse_id": w, "arrived": Decimal(q)} for p, w, q in items],
        columns=["part_id", "warehouse_id", "arrived"],
    )


def staff(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["employee_id", "full_name", "email", "branch_id", "active"])
    frame["branch_id"] = frame["branch_id"].astype("Float64")
    return frame


PARTS_MANAGERS = staff(
    (4, "Martín", "martin@example.com", 1, True),
    (15, "Paula", "paula@example.com", 2, True),
)


def plan_for(lines: list[dict], arrived: pd.DataFrame, employees: pd.DataFrame = PARTS_MANAGERS, **settings):
    frames = {"pending_lines": pd.DataFrame(lines), "arrivals": arrived, "fallback_staff": employees}
    return build_plan(frames, BackordersSettings(**settings), RUN)


def notified(plan) -> dict[str, list[int]]:
    return {m.recipient_ref: [item["order_id"] for item in m.context["lines"]] for m in plan.messages}


def test_oldest_order_first_and_a_partly_covered_line_holds_the_rest():
    # 10 arrived: the oldest (4) is covered, the next (8) is not, and the newest (2) waits behind it
    # although 6 would be enough for it.
    lines = [line(7, "2", days_ago=1), line(1, "4", days_ago=20), line(4, "8", days_ago=5)]
    plan = plan_for(lines, arrivals((1, 1, "10")))
    assert plan.candidates == 3
    assert notified(plan) == {"employee:5": [1]}
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("order:4", f"{WINDOW}:4/1", "not_covered"),
        ("order:7", f"{WINDOW}:7/1", "not_covered"),
    ]


def test_exact_and_fractional_coverage_counts_and_lines_add_up():
    lines = [line(1, "2.25", days_ago=3), line(2, "2.250", days_ago=2)]
    assert notified(plan_for(lines, arrivals((1, 1, "4.5")))) == {"employee:5": [1, 2]}
    assert notified(plan_for(lines, arrivals((1, 1, "4.499")))) == {"employee:5": [1]}


def test_ties_on_created_at_go_by_order_id_then_line_no():
    same = {"days_ago": 3}
    lines = [line(9, "1", **same), line(3, "1", line_no=2, **same), line(3, "1", **same)]
    plan = plan_for(lines, arrivals((1, 1, "2")))
    assert [(item["order_id"], item["line_no"]) for item in plan.messages[0].context["lines"]] == [
        (3, 1),
        (3, 2),
    ]
    assert [s.business_key for s in plan.skipped] == [f"{WINDOW}:9/1"]


def test_arrivals_only_count_for_their_own_part_and_warehouse():
    lines = [line(1, "1", days_ago=3, warehouse_id=2), line(2, "1", days_ago=3, part_id=2)]
    plan = plan_for(lines, arrivals((1, 1, "5")))
    assert plan.messages == []
    assert [s.reason for s in plan.skipped] == ["not_covered", "not_covered"]


@pytest.mark.parametrize(
    ("salesperson", "why"),
    [
        (JAVIER_INACTIVE, "inactive"),
        ({"salesperson_email": None}, "no_email"),
        ({"salesperson_email": "lucia@"}, "malformed_email"),
    ],
)
def test_an_unusable_salesperson_passes_the_line_to_the_branch_parts_manager(salesperson, why):
    plan = plan_for([line(2, "2", days_ago=15, **salesperson)], arrivals((1, 1, "2")))
    [message] = plan.messages
    assert (message.recipient_ref, message.to, message.display_name) == (
        "employee:4",
        ["martin@example.com"],
        "Martín",
    )
    assert message.context["lines"][0]["fallback_reason"] == why


def test_the_fallback_goes_to_the_dealership_level_then_skips_with_a_reason():
    dealership_level = staff(
        (30, "Jefe", "jefe@example.com", None, True), *PARTS_MANAGERS.itertuples(index=False)
    )
    lonely = line(9, "1", days_ago=3, branch_id=3, **JAVIER_INACTIVE)
    assert notified(plan_for([lonely], arrivals((1, 1, "1")), dealership_level)) == {"employee:30": [9]}

    plan = plan_for([lonely], arrivals((1, 1, "1")))
    assert plan.messages == []
    assert [(s.recipient_ref, s.reason) for s in plan.skipped] == [("order:9", "no_recipient")]

    no_mail = staff((40, "Sin mail", None, 3, True))
    assert plan_for([lonely], arrivals((1, 1, "1")), no_mail).skipped[0].reason == "no_email"


def test_the_fallback_role_is_a_setting_and_validated():
    assert sql_params(BackordersSettings(fallback_role="general_manager"), RUN)["fallback_role"] == (
        "general_manager"
    )
    with pytest.raises(ValueError):
        BackordersSettings(fallback_role="boss")


def test_one_message_per_recipient_merging_own_and_fallback_lines():
    # Martín is a salesperson of order 1 and the fallback of order 2: one mail with both.
    martin = {"salesperson_id": 4, "salesperson_name": "Martín", "salesperson_email": "martin@example.com"}
    lines = [line(1, "1", days_ago=5, **martin), line(2, "1", days_ago=4, part_id=2, **JAVIER_INACTIVE)]
    plan = plan_for(lines, arrivals((1, 1, "1"), (2, 1, "1")))
    assert notified(plan) == {"employee:4": [1, 2]}
    [message] = plan.messages
    assert message.business_key == WINDOW
    assert message.context["count"] == 2
    assert message.context["window"] == {
        "date": "2026-11-01",
        "end_date": "2026-11-01",
        "start": "07:00",
        "end": "08:00",
    }
    item = message.context["lines"][0]
    assert item["order_date"] == "2026-10-27"  # local date of the order
    assert item["quantity_pending"] == 1.0 and item["arrived"] == 1.0
    assert item["contact"] == "cliente1@example.org"


def test_no_pending_line_means_no_message():
    empty = pd.DataFrame(columns=list(line(1, "1", days_ago=1)))
    plan = build_plan(
        {"pending_lines": empty, "arrivals": arrivals(), "fallback_staff": PARTS_MANAGERS},
        BackordersSettings(),
        RUN,
    )
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


def test_sql_reads_the_window():
    params = sql_params(BackordersSettings(), RUN)
    assert params["window_start"] == RUN.window_end - timedelta(hours=1)
    assert params["window_end"] == RUN.at


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_message_renders_in_both_languages(language):
    from alertas_rapidas.rendering import MessageRenderer

    lines = [line(2, "1.5", days_ago=4, customer_name="Ana <M> & Hijos", **JAVIER_INACTIVE)]
    [message] = plan_for(lines, arrivals((1, 1, "2")), language=language).messages
    mail = MessageRenderer("backorders_arrived", "backorders_arrived", sender="a@example.com").render(
        message, message_id="<x@example.com>"
    )
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert "Ana &lt;M&gt; &amp; Hijos" in html
    if language == "en":
        assert mail["Subject"] == "Back-ordered parts arrived: 1 order line - 1 Nov 2026 08:00"
        assert "(salesperson: Javier, inactive)" in text and "1.5 pending at DEP-1" in text
    else:
        assert mail["Subject"] == "Ingresaron repuestos pendientes: 1 línea de pedido - 01/11/2026 08:00"
        assert "(vendedor: Javier, inactivo)" in text and "1,5 pendiente(s) en DEP-1" in text
