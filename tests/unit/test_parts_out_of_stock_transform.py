"""The pure transform of `parts_out_of_stock`: grouping by scope unit, recipients, attachments."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from alertas_rapidas.families.parts_out_of_stock import OutOfStockSettings
from alertas_rapidas.timing import resolve_run_time
from alertas_rapidas.transforms.parts_out_of_stock import build_plan, staff_addresses

RUN = resolve_run_time(
    timezone="America/Argentina/Buenos_Aires",
    logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
    run_after=None,
    interval=None,
)


def part_row(scope_id: int, part_code: str, available: float = 0.0, **overrides) -> dict:
    row = {
        "scope": "branch",
        "scope_id": scope_id,
        "scope_code": f"B{scope_id}",
        "scope_name": f"Branch {scope_id}",
        "branch_id": scope_id,
        "branch_name": f"Branch {scope_id}",
        "dealership_id": 1,
        "dealership_name": "Autosur S.A.",
        "part_id": hash(part_code) % 1000,
        "part_code": part_code,
        "description": f"Part {part_code}",
        "brand": "Bosch",
        "min_stock": 2.0,
        "on_hand": max(available, 0.0),
        "reserved": 0.0,
        "incoming": 0.0,
        "outgoing": 0.0,
        "available": available,
    }
    row.update(overrides)
    return row


def staff(*rows: tuple) -> pd.DataFrame:
    columns = ["employee_id", "full_name", "email", "role", "branch_id", "active"]
    frame = pd.DataFrame(list(rows), columns=columns)
    frame["branch_id"] = frame["branch_id"].astype("Float64")
    return frame


def frames(parts: list[dict], employees: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {"out_of_stock": pd.DataFrame(parts), "staff": employees}


STAFF = staff(
    (1, "Gerente", "gerente@example.com", "general_manager", None, True),
    (4, "Martín", "martin@example.com", "parts_manager", 1, True),
    (5, "Ernesto", "ernesto@example.com", "parts_manager", 1, False),
    (15, "Paula", "paula@example.com", "parts_manager", 2, True),
)


def test_one_message_per_branch_with_a_short_body_list_and_the_full_table():
    parts = [part_row(1, f"P-{n:03d}", -n) for n in range(12)] + [part_row(2, "Q-001")]
    plan = build_plan(frames(parts, STAFF), OutOfStockSettings(), RUN)

    assert plan.candidates == 2
    assert plan.skipped == []
    first, second = plan.messages
    assert (first.recipient_ref, first.business_key, first.to) == (
        "branch:1",
        "out_of_stock:branch:1:2026-11-01",
        ["martin@example.com"],  # Ernesto is inactive
    )
    assert second.to == ["paula@example.com"]
    context = first.context
    assert context["count"] == 12
    assert len(context["top"]) == 10 and context["more"] == 2
    assert len(context["table"]["rows"]) == 12
    assert [c["key"] for c in context["table"]["columns"]] == [
        "part_code",
        "description",
        "brand",
        "on_hand",
        "reserved",
        "incoming",
        "outgoing",
        "available",
        "min_stock",
    ]
    assert context["scope_label"] == "Branch 1"
    assert [(a.filename, a.kind, a.template) for a in first.attachments] == [
        ("repuestos-sin-stock-B1-2026-11-01.xlsx", "xlsx", None),
        ("repuestos-sin-stock-B1-2026-11-01.pdf", "pdf", "_reports/table"),
    ]


def test_warehouse_scope_goes_to_the_warehouse_branch_and_lists_the_warehouse():
    row = part_row(7, "P-001", scope="warehouse", scope_code="DEP-CBA-1", scope_name="Mostrador", branch_id=2)
    plan = build_plan(frames([row], STAFF), OutOfStockSettings(scope="warehouse"), RUN)
    [message] = plan.messages
    assert message.recipient_ref == "warehouse:7"
    assert message.business_key == "out_of_stock:warehouse:7:2026-11-01"
    assert message.to == ["paula@example.com"]
    assert "warehouse" in [c["key"] for c in message.context["table"]["columns"]]
    assert message.context["table"]["rows"][0]["warehouse"] == "DEP-CBA-1"
    assert message.context["scope_label"].startswith("Depósito DEP-CBA-1 - Mostrador")


def dealership_row() -> dict:
    return part_row(1, "P-001", scope="dealership", scope_code="AUTOSUR", branch_id=None, branch_name=None)


def test_dealership_scope_prefers_parts_managers_with_no_branch():
    employees = pd.concat(
        [STAFF, staff((30, "Jefe de repuestos", "repuestos@example.com", "parts_manager", None, True))]
    )
    plan = build_plan(frames([dealership_row()], employees), OutOfStockSettings(scope="dealership"), RUN)
    assert plan.messages[0].to == ["repuestos@example.com"]
    assert plan.messages[0].recipient_ref == "dealership:1"


def test_dealership_scope_falls_back_to_the_general_manager():
    # The dealership-level parts manager has no e-mail: the general manager gets the report.
    employees = pd.concat([STAFF, staff((30, "Sin mail", None, "parts_manager", None, True))])
    plan = build_plan(frames([dealership_row()], employees), OutOfStockSettings(scope="dealership"), RUN)
    assert plan.messages[0].to == ["gerente@example.com"]


def test_dealership_scope_skips_with_the_first_reason_when_nobody_is_usable():
    employees = staff(
        (30, "Sin mail", None, "parts_manager", None, True),
        (1, "Gerente", "gerente@", "general_manager", None, True),
    )
    plan = build_plan(frames([dealership_row()], employees), OutOfStockSettings(scope="dealership"), RUN)
    assert plan.messages == []
    assert [(s.recipient_ref, s.reason) for s in plan.skipped] == [("dealership:1", "no_email")]
    only_gm = staff((1, "Gerente", "gerente@", "general_manager", None, True))
    plan = build_plan(frames([dealership_row()], only_gm), OutOfStockSettings(scope="dealership"), RUN)
    assert plan.skipped[0].reason == "malformed_email"


def test_a_branch_with_no_parts_manager_is_skipped_with_no_recipient():
    plan = build_plan(frames([part_row(9, "P-001")], STAFF), OutOfStockSettings(), RUN)
    assert plan.messages == []
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("branch:9", "out_of_stock:branch:9:2026-11-01", "no_recipient")
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], ([], "no_recipient")),
        ([(1, "A", "a@example.com", "parts_manager", 1, False)], ([], "inactive")),
        ([(1, "A", None, "parts_manager", 1, True)], ([], "no_email")),
        ([(1, "A", "  ", "parts_manager", 1, True)], ([], "no_email")),
        ([(1, "A", "a@@example.com", "parts_manager", 1, True)], ([], "malformed_email")),
        (
            [
                (2, "B", "b@example.com", "parts_manager", 1, True),
                (1, "A", "A@Example.com", "parts_manager", 1, True),
                (3, "C", "a@example.com", "parts_manager", 1, True),
            ],
            (["A@example.com", "b@example.com"], None),
        ),
    ],
)
def test_staff_addresses(rows, expected):
    assert staff_addresses(staff(*rows)) == expected


def test_only_the_configured_formats_are_attached_and_english_names_the_files():
    settings = OutOfStockSettings(attachments=["pdf", "pdf"], language="en", body_rows=0)
    plan = build_plan(frames([part_row(1, "P-001")], STAFF), settings, RUN)
    [message] = plan.messages
    assert message.language == "en"
    assert [a.filename for a in message.attachments] == ["parts-out-of-stock-B1-2026-11-01.pdf"]
    assert message.context["top"] == [] and message.context["more"] == 1
    assert message.context["scope_label"] == "Branch 1"


def test_nothing_out_of_stock_means_no_message():
    empty = pd.DataFrame(columns=list(part_row(1, "X")))
    plan = build_plan({"out_of_stock": empty, "staff": STAFF}, OutOfStockSettings(), RUN)
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


def test_settings_reject_unknown_fields_and_bad_values():
    with pytest.raises(ValueError):
        OutOfStockSettings(scope="region")
    with pytest.raises(ValueError):
        OutOfStockSettings(attachments=[])
    with pytest.raises(ValueError):
        OutOfStockSettings(onlyminstock=True)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_message_renders_in_both_languages(language):
    from alertas_rapidas.rendering import MessageRenderer

    parts = [part_row(1, "P-001", -1.5, description="Junta <tapa> & retén"), part_row(1, "P-002")]
    settings = OutOfStockSettings(language=language, body_rows=1)
    [message] = build_plan(frames(parts, STAFF), settings, RUN).messages
    mail = MessageRenderer("parts_out_of_stock", "parts_out_of_stock", sender="a@example.com").render(
        message, message_id="<x@example.com>"
    )
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert "Junta &lt;tapa&gt; &amp; retén" in html
    if language == "en":
        assert mail["Subject"] == "Parts out of stock at B1: 2 - 11/01/2026"
        assert "-1.5" in text and "... and 1 more part." in text and "(XLSX and PDF)" in text
    else:
        assert mail["Subject"] == "Repuestos sin stock en B1: 2 - 01/11/2026"
        assert "-1,5" in text and "... y 1 repuesto más." in text and "(XLSX y PDF)" in text
    assert [part.get_filename() for part in mail.iter_attachments()] == [
        a.filename for a in message.attachments
    ]
