"""`alert_parts_issued_not_invoiced` end to end: real PostgreSQL, real SMTP server, real DAG run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.runs import last_summary, ledger_rows, pdf_text, run_dag, xlsx_rows

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DAG_ID = "alert_parts_issued_not_invoiced"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"
NOV_2_0800_BUENOS_AIRES = "2026-11-02T11:00:00+00:00"
AUDITOR = ("silvia.dominguez@example.com",)


@pytest.fixture
def issues_dms(dms):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "parts_issued_not_invoiced.sql").read_text())
    return dms


def test_the_audit_manager_gets_the_unbilled_issues_once_a_day(issues_dms, dagbag, mail_sink, ledger):
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES)
    assert run.state == "success"

    [mail] = mail_sink.store.messages
    assert tuple(mail.rcpt_tos) == AUDITOR  # the dealership-level audit manager only
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

    attachments = dict(mail.attachments())
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

    [row] = ledger_rows(ledger, "parts_issued_not_invoiced")
    assert (row["recipient_ref"], row["business_key"], row["status"]) == (
        "dealership:1",
        "not_invoiced:dealership:1:2026-11-01",
        "sent",
    )
    summary = last_summary(ledger, DAG_ID)
    assert (summary["candidates"], summary["sent"], summary["skipped"]) == (1, 1, {})

    # Running the same date again sends nothing more.
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, DAG_ID)["already_sent"] == 1

    # The next day is a new report: FRE-0002 (26/10 local) is now 7 days old.
    assert run_dag(dagbag, DAG_ID, NOV_2_0800_BUENOS_AIRES).state == "success"
    [mail] = mail_sink.store.messages
    assert mail.subject == "Repuestos sin facturar: 5 con 7 o más días - 02/11/2026"
    rows = xlsx_rows(dict(mail.attachments())["repuestos-sin-facturar-AUTOSUR-2026-11-02.xlsx"])
    assert [(row[1], row[5]) for row in rows[1:-1]] == [  # the last row is the total
        ("FRE-0001", 31),
        ("LUB-0001", 11),
        ("FIL-0001", 11),
        ("MOT-0003", 8),
        ("FRE-0002", 7),
    ]
    assert sorted(r["business_key"] for r in ledger_rows(ledger, "parts_issued_not_invoiced")) == [
        "not_invoiced:dealership:1:2026-11-01",
        "not_invoiced:dealership:1:2026-11-02",
    ]
