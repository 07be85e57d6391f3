"""Catalogue families 25, 31, 32, 35, 36 and 37 (money and CRM), each run end to end against the
real PostgreSQL and SMTP server on tests/fixtures/catalogue_money_crm.sql: who gets which mail,
what it says, who is skipped and why, and what a later or repeated run does."""

from __future__ import annotations

import io
from email.utils import parseaddr
from pathlib import Path

import pytest

from tests.support.runs import last_summary, ledger_rows, run_dag

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

TDS = "pagos@tds.example.net"
TDS_CC = "contable@tds.example.net"
HILL = "accounts@hillsons.example.com"
LAURA = "laura.gomez@autosur.example.com"
SOFIA = "sofia.benitez@autosur.example.com"
CARLA = "carla.mendez@autosur.example.com"
ANA = "ana.torres@autosur.example.com"
TESORERIA = "tesoreria@autosur.example.com"
WALTER = "walter.diaz@autosur.example.com"


@pytest.fixture
def money_dms(dms):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "catalogue_money_crm.sql").read_text())
    return dms


def at_8(day: str) -> str:
    """08:00 in Buenos Aires of `day` (YYYY-MM-DD), as the run's logical date."""
    return f"{day}T11:00:00+00:00"


def run(dagbag, key: str, instant: str) -> None:
    assert run_dag(dagbag, f"alert_{key}", instant, retries=0).state == "success"


def mails(mail_sink) -> list:
    found = list(mail_sink.store.messages)
    mail_sink.store.clear()
    return found


def by_rcpt(messages) -> dict[str, object]:
    return {address: m for m in messages for address in m.rcpt_tos}


def text(message) -> str:
    return " ".join(message.message.get_body(("plain",)).get_content().split())


def sent_keys(ledger, key: str) -> set[tuple[str, str]]:
    rows = ledger_rows(ledger, key)
    return {(r["recipient_ref"], r["business_key"]) for r in rows if r["status"] == "sent"}


def skips(ledger, key: str) -> set[tuple[str, str, str]]:
    return {
        (r["recipient_ref"], r["business_key"], r["reason"])
        for r in ledger_rows(ledger, key)
        if r["status"] == "skipped"
    }


def xlsx_rows(data: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


# --- 31 overdue_invoices_dunning -------------------------------------------------------------------

DUNNING = "overdue_invoices_dunning"


def test_dunning_levels_progress_once_each_and_never_back(dagbag, money_dms, mail_sink, ledger):
    # 08/11: 401 and 402 are 7 and 8 days overdue: level 1, one message to the customer.
    run(dagbag, DUNNING, at_8("2026-11-08"))
    [first] = mails(mail_sink)
    assert sorted(first.rcpt_tos) == [TDS_CC, TDS]
    assert first.subject == "Recordatorio de pago: saldo vencido al 08/11/2026 - Autosur S.A."
    assert parseaddr(first.message["To"]) == ("Transportes del Sur S.R.L.", TDS)
    body = text(first)
    assert "Estimados Transportes del Sur S.R.L.:" in body
    assert "registra saldo vencido e impago en 2 comprobantes" in body
    assert "Nota de débito A 0001-00000402 01/10/2026 31/10/2026 8 ARS 5.000,50" in body
    assert "Factura A 0001-00000401 02/10/2026 01/11/2026 7 ARS 100.000,00" in body
    assert "Saldo vencido: $ 105.000,50" in body
    assert "0001-00000407" not in body and "0001-00000408" not in body  # voided, paid
    assert skips(ledger, DUNNING) == {
        ("customer:303", "dunning:level1:2026-11-08", "opted_out"),
        ("customer:304", "dunning:level1:2026-11-08", "no_email"),
    }
    # The same day again: nothing.
    run(dagbag, DUNNING, at_8("2026-11-08"))
    assert mails(mail_sink) == []

    # 16/11: 401 and 402 reach level 2; 403 (USD, 302 in English) level 1.
    run(dagbag, DUNNING, at_8("2026-11-16"))
    got = by_rcpt(mails(mail_sink))
    assert set(got) == {TDS, TDS_CC, HILL}
    assert got[TDS].subject == "Segundo aviso: saldo vencido hace 15 días o más - Autosur S.A."
    assert "0001-00000401" in text(got[TDS]) and "A pesar de nuestro aviso anterior" in text(got[TDS])
    hill = got[HILL]
    assert hill.subject == "Payment reminder: overdue balance as of 11/16/2026 - Autosur S.A."
    assert "Dear Hill & Sons Ltd.," in text(hill)
    assert "Invoice E 0003-00000403 10/10/2026 11/09/2026 7 USD 2,000.00" in text(hill)
    assert "Overdue balance: US$ 2,000.00" in text(hill)

    # 01/12: 401 and 402 at level 3 (the salesperson copied), 403 at level 2.
    run(dagbag, DUNNING, at_8("2026-12-01"))
    got = by_rcpt(mails(mail_sink))
    assert set(got) == {TDS, TDS_CC, LAURA, HILL}
    last = got[TDS]
    assert last.subject == "Último aviso: saldo vencido hace 30 días o más - Autosur S.A."
    assert last.message["Cc"] == f"{TDS_CC}, {LAURA}"
    assert "Su vendedor recibe copia de este mensaje." in text(last)
    assert got[HILL].subject == "Second notice: balance 15 or more days overdue - Autosur S.A."

    keys = sent_keys(ledger, DUNNING)
    assert {k for ref, k in keys if ref == "customer:301" and k.startswith("dunning:")} == {
        "dunning:level1:2026-11-08",
        "dunning:level2:2026-11-16",
        "dunning:level3:2026-12-01",
    }
    assert {k for ref, k in keys if ref == "customer:301" and k.startswith("invoice:401")} == {
        "invoice:401:level1",
        "invoice:401:level2",
        "invoice:401:level3",
    }

    # A backfill of 20/11 (401, 402 and 403 then at level 2): nothing, those levels are done.
    run(dagbag, DUNNING, at_8("2026-11-20"))
    assert mails(mail_sink) == []
    assert last_summary(ledger, f"alert_{DUNNING}")["run_date"] == "2026-11-20"


def test_dunning_catch_up_sends_only_the_highest_level(dagbag, money_dms, mail_sink, ledger):
    # First run ever on 02/12: 401 and 402 are 31 and 32 days overdue, 403 is 23.
    run(dagbag, DUNNING, at_8("2026-12-02"))
    got = by_rcpt(mails(mail_sink))
    assert set(got) == {TDS, TDS_CC, LAURA, HILL}
    assert got[TDS].subject.startswith("Último aviso:")
    assert got[HILL].subject.startswith("Second notice:")
    keys = sent_keys(ledger, DUNNING)
    assert ("customer:301", "dunning:level1:2026-12-02") not in keys
    # The lower levels are recorded as settled with the one sent.
    assert {k for ref, k in keys if ref == "customer:301" and not k.startswith("dunning:")} == {
        f"invoice:{doc}:level{n}" for doc in (401, 402) for n in (1, 2, 3)
    }
    assert ("customer:302", "invoice:403:level1") in keys
    # A backfill of 16/11 (401, 402 at level 2 then, 403 at level 1): a lower level never follows.
    run(dagbag, DUNNING, at_8("2026-11-16"))
    assert mails(mail_sink) == []
