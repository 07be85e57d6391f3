"""`alert_parts_issued_not_invoiced` end to end: real PostgreSQL, real SMTP server, real DAG run.

One scenario, run once for the module (`daily_runs`): 1 November, 1 November again, 2 November;
each test checks one rule on what those runs left.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.support.runs import pdf_text, xlsx_rows

pytestmark = pytest.mark.e2e

DAG_ID = "alert_parts_issued_not_invoiced"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"
NOV_2_0800_BUENOS_AIRES = "2026-11-02T11:00:00+00:00"
AUDITOR = ("silvia.dominguez@example.com",)


@pytest.fixture(scope="module")
def daily_runs(dated_runs):
    """1 November, 1 November again, then 2 November."""
    return dated_runs(
        DAG_ID,
        ("organisation.sql", "parts_issued_not_invoiced.sql"),
        nov_1=NOV_1_0800_BUENOS_AIRES,
        again=NOV_1_0800_BUENOS_AIRES,
        nov_2=NOV_2_0800_BUENOS_AIRES,
    )


@pytest.fixture(scope="module")
def report(daily_runs):
    """The one mail of 1 November."""
    [mail] = daily_runs["nov_1"].messages
    return mail


def test_one_report_goes_to_the_audit_manager_only(daily_runs):
    assert daily_runs["nov_1"].state == "success"
    [mail] = daily_runs["nov_1"].messages
    assert tuple(mail.rcpt_tos) == AUDITOR  # the dealership-level audit manager only


def test_the_mail_lists_the_issues_of_7_days_or_more_escaped(report):
    mail = report
    assert mail.subject == "Repuestos sin facturar: 4 con 7 o más días - 01/11/2026"
    html = mail.message.get_body(("html",)).get_content()
    assert "<strong>4 salidas de repuestos sin facturar</strong>" in html
    assert "con fecha 25/10/2026 o anterior" in html
    assert "$\u00a0505.907,39" in html
    assert "La más antigua tiene 30 días" in html
    assert "Bomba de agua &lt;kit&gt; &amp; junta" in html and "<kit>" not in html
    for absent in ("FRE-0002", "LUB-0003", "4,5"):
        assert absent not in html, absent
    text = mail.message.get_body(("plain",)).get_content()
    assert (
        "- 22/10/2026 FIL-0001 Filtro de aceite x 1: 12.345,67, 10 días, Tomás Benítez, OR 1, DEP-CEN-2"
        in text
    )
    assert "- 25/10/2026 MOT-0003 Bomba de agua <kit> & junta x 4: 395.061,72, 7 días, Martín Gómez" in text


def test_the_xlsx_lists_the_issues_oldest_first_with_a_total_at_cost(report):
    attachments = dict(report.attachments())
    assert set(attachments) == {
        "repuestos-sin-facturar-AUTOSUR-2026-11-01.xlsx",
        "repuestos-sin-facturar-AUTOSUR-2026-11-01.pdf",
    }
    rows = xlsx_rows(attachments["repuestos-sin-facturar-AUTOSUR-2026-11-01.xlsx"])
    assert rows[0] == (
        "Fecha",
        "Código",
        "Descripción",
        "Cantidad",
        "Valor al costo",
        "Días",
        "Empleado",
        "Orden de reparación",
        "Depósito",
    )
    assert [row[1] for row in rows[1:-1]] == ["FRE-0001", "LUB-0001", "FIL-0001", "MOT-0003"]  # oldest first
    assert rows[-1][0] == "Total" and rows[-1][4] == round(
        sum(row[4] for row in rows[1:-1]), 2
    )  # value at cost
    fre = rows[1]
    assert fre[0].date() == date(2026, 10, 2)
    assert fre[3:] == (2, Decimal("90000.00"), 30, "Paula Herrera", None, "DEP-CBA-1")
    assert rows[2][3:8] == (1, Decimal("8500.00"), 10, "Tomás Benítez", 1)  # the work order as a number


def test_the_pdf_shows_the_dealership_the_rows_and_their_count(report):
    attachments = dict(report.attachments())
    pdf = " ".join(pdf_text(attachments["repuestos-sin-facturar-AUTOSUR-2026-11-01.pdf"]).split())
    for expected in [
        "Repuestos entregados sin facturar",
        "Autosur S.A. (todas las sucursales)",
        "02/10/2026",
        "90.000,00",
        "395.061,72",
        "Bomba de agua <kit> & junta",
        "4 filas",
    ]:
        assert expected in pdf, expected


def test_the_ledger_and_summary_record_one_report_a_dealership_and_day(daily_runs):
    [row] = daily_runs["nov_1"].rows
    assert (row["recipient_ref"], row["business_key"], row["status"]) == (
        "dealership:1",
        "not_invoiced:dealership:1:2026-11-01",
        "sent",
    )
    summary = daily_runs["nov_1"].summary
    assert (summary["candidates"], summary["sent"], summary["skipped"]) == (1, 1, {})


def test_the_same_date_again_sends_nothing_more(daily_runs):
    again = daily_runs["again"]
    assert again.state == "success"
    assert again.messages == []
    assert again.summary["already_sent"] == 1


def test_the_next_day_is_a_new_report_with_an_issue_turned_7_days_old(daily_runs):
    # The next day is a new report: FRE-0002 (26/10 local) is now 7 days old.
    nov_2 = daily_runs["nov_2"]
    assert nov_2.state == "success"
    [mail] = nov_2.messages
    assert mail.subject == "Repuestos sin facturar: 5 con 7 o más días - 02/11/2026"
    rows = xlsx_rows(dict(mail.attachments())["repuestos-sin-facturar-AUTOSUR-2026-11-02.xlsx"])
    assert [(row[1], row[5]) for row in rows[1:-1]] == [  # the last row is the total
        ("FRE-0001", 31),
        ("LUB-0001", 11),
        ("FIL-0001", 11),
        ("MOT-0003", 8),
        ("FRE-0002", 7),
    ]
    assert sorted(r["business_key"] for r in nov_2.rows) == [
        "not_invoiced:dealership:1:2026-11-01",
        "not_invoiced:dealership:1:2026-11-02",
    ]
