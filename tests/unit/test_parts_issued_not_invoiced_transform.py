"""The pure transform of `parts_issued_not_invoiced`: scopes, audit-manager fallbacks, report rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from alertas_rapidas.families.parts_issued_not_invoiced import NotInvoicedSettings, cutoff_date, sql_params
from alertas_rapidas.timing import resolve_run_time
from alertas_rapidas.transforms.parts_issued_not_invoiced import build_plan

RUN = resolve_run_time(
    timezone="America/Argentina/Buenos_Aires",
    logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
    run_after=None,
    interval=None,
)


def issue(movement_id: int, branch_id: int, *, days: int = 10, cost: str = "100.00", **overrides) -> dict:
    row = {
        "movement_id": movement_id,
        "moved_at": pd.Timestamp("2026-10-22 13:15", tz="UTC"),
        "issue_date": date(2026, 11, 1) - pd.Timedelta(days=days),
        "days_since": days,
        "part_code": f"P-{movement_id:03d}",
        "description": f"Repuesto {movement_id}",
        "quantity": Decimal("1.000"),
        "unit_cost": Decimal(cost),
        "cost_value": Decimal(cost),
        "employee_id": 9,
        "employee_name": "Tomás Benítez",
        "work_order_id": 1.0,
        "warehouse_id": branch_id * 10,
        "warehouse_code": f"DEP-{branch_id}",
        "warehouse_name": f"Depósito {branch_id}",
        "branch_id": branch_id,
        "branch_code": f"B{branch_id}",
        "branch_name": f"Sucursal {branch_id}",
        "dealership_id": 1,
        "dealership_code": "AUTOSUR",
        "dealership_name": "Autosur S.A.",
        "local_currency": "ARS",
    }
    row.update(overrides)
    return row


def auditors(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["employee_id", "full_name", "email", "branch_id", "active"])
    frame["branch_id"] = frame["branch_id"].astype("Float64")
    return frame


AUDITORS = auditors(
    (2, "Silvia", "silvia@example.com", None, True),
    (40, "Auditor B2", "auditor.b2@example.com", 2, True),
    (41, "Auditor B3", "auditor.b3@example.com", 3, False),
)


def test_dealership_scope_is_one_report_to_the_dealership_audit_manager():
    issues = [
        issue(1, 1, days=30, cost="90000.00"),
        issue(2, 2, days=10, cost="12345.67", work_order_id=None),
    ]
    plan = build_plan({"issues": pd.DataFrame(issues), "auditors": AUDITORS}, NotInvoicedSettings(), RUN)
    assert plan.candidates == 1
    [message] = plan.messages
    assert (message.recipient_ref, message.business_key, message.to) == (
        "dealership:1",
        "not_invoiced:dealership:1:2026-11-01",
        ["silvia@example.com"],
    )
    context = message.context
    assert context["count"] == 2
    assert context["total_cost"] == 10234567
    assert context["oldest_days"] == 30
    assert context["cutoff"] == "2026-10-25"
    assert context["currency"] == "ARS"
    assert context["table"]["rows"][1] == {
        "issue_date": "2026-10-22",
        "part_code": "P-002",
        "description": "Repuesto 2",
        "quantity": 1.0,
        "cost_value": 1234567,
        "days_since": 10,
        "employee": "Tomás Benítez",
        "work_order": "",
        "warehouse": "DEP-2",
    }
    assert context["table"]["rows"][0]["work_order"] == "1"
    assert [a.filename for a in message.attachments] == [
        "repuestos-sin-facturar-AUTOSUR-2026-11-01.xlsx",
        "repuestos-sin-facturar-AUTOSUR-2026-11-01.pdf",
    ]


def test_dealership_scope_falls_back_to_any_active_audit_manager():
    branch_level_only = auditors((40, "Auditor B2", "auditor.b2@example.com", 2, True))
    plan = build_plan(
        {"issues": pd.DataFrame([issue(1, 1)]), "auditors": branch_level_only}, NotInvoicedSettings(), RUN
    )
    assert plan.messages[0].to == ["auditor.b2@example.com"]


def test_branch_scope_is_one_report_per_branch_with_dealership_fallback():
    issues = [issue(1, 1), issue(2, 2), issue(3, 2), issue(4, 3)]
    plan = build_plan(
        {"issues": pd.DataFrame(issues), "auditors": AUDITORS}, NotInvoicedSettings(scope="branch"), RUN
    )
    assert plan.candidates == 3
    assert [(m.recipient_ref, m.business_key, m.to, m.context["count"]) for m in plan.messages] == [
        ("branch:1", "not_invoiced:branch:1:2026-11-01", ["silvia@example.com"], 1),  # no own auditor
        ("branch:2", "not_invoiced:branch:2:2026-11-01", ["auditor.b2@example.com"], 2),
        ("branch:3", "not_invoiced:branch:3:2026-11-01", ["silvia@example.com"], 1),  # own one inactive
    ]
    assert plan.messages[1].context["scope_label"] == "Sucursal 2"
    assert plan.messages[1].attachments[0].filename == "repuestos-sin-facturar-B2-2026-11-01.xlsx"


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([], "no_recipient"),
        ([(2, "Silvia", "silvia@", None, True)], "malformed_email"),
        ([(2, "Silvia", None, None, True)], "no_email"),
        ([(2, "Silvia", "silvia@example.com", None, False)], "inactive"),
    ],
)
def test_no_usable_audit_manager_skips_the_report(rows, reason):
    plan = build_plan(
        {"issues": pd.DataFrame([issue(1, 1)]), "auditors": auditors(*rows)}, NotInvoicedSettings(), RUN
    )
    assert plan.messages == []
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("dealership:1", "not_invoiced:dealership:1:2026-11-01", reason)
    ]


def test_body_rows_and_formats_and_language():
    settings = NotInvoicedSettings(body_rows=2, attachments=["xlsx"], language="en")
    issues = [issue(n, 1) for n in range(1, 6)]
    [message] = build_plan({"issues": pd.DataFrame(issues), "auditors": AUDITORS}, settings, RUN).messages
    assert message.language == "en"
    assert len(message.context["top"]) == 2 and message.context["more"] == 3
    assert len(message.context["table"]["rows"]) == 5
    assert [a.filename for a in message.attachments] == ["parts-not-invoiced-AUTOSUR-2026-11-01.xlsx"]
    assert message.context["scope_label"] == "Autosur S.A. (all branches)"


def test_no_unbilled_issue_means_no_message():
    empty = pd.DataFrame(columns=list(issue(1, 1)))
    plan = build_plan({"issues": empty, "auditors": AUDITORS}, NotInvoicedSettings(), RUN)
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


def test_the_cutoff_is_the_run_date_minus_days_in_dealership_time():
    assert cutoff_date(NotInvoicedSettings(), RUN) == date(2026, 10, 25)
    params = sql_params(NotInvoicedSettings(days=30), RUN)
    assert params["cutoff"] == date(2026, 10, 2)
    assert params["tz"] == "America/Argentina/Buenos_Aires"
    assert params["run_date"] == date(2026, 11, 1)
    with pytest.raises(ValueError):
        NotInvoicedSettings(days=0)
    with pytest.raises(ValueError):
        NotInvoicedSettings(scope="warehouse")


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_message_renders_in_both_languages(language):
    from alertas_rapidas.rendering import MessageRenderer

    issues = [issue(1, 1, cost="1234.50", description="Kit <junta> & tapa"), issue(2, 1, work_order_id=None)]
    settings = NotInvoicedSettings(language=language)
    [message] = build_plan({"issues": pd.DataFrame(issues), "auditors": AUDITORS}, settings, RUN).messages
    mail = MessageRenderer(
        "parts_issued_not_invoiced", "parts_issued_not_invoiced", sender="a@example.com"
    ).render(message, message_id="<x@example.com>")
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert "Kit &lt;junta&gt; &amp; tapa" in html
    if language == "en":
        assert mail["Subject"] == "Parts not invoiced: 2 issued 7+ days ago - 11/01/2026"
        assert "$ 1,334.50" in text and "work order 1" in text
    else:
        assert mail["Subject"] == "Repuestos sin facturar: 2 con 7 o más días - 01/11/2026"
        assert "$ 1.334,50" in text and "OR 1" in text
    assert len(list(mail.iter_attachments())) == 2
