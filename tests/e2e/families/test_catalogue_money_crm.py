"""Catalogue families 25, 31, 32, 35, 36 and 37 (money and CRM), each run end to end against the
real PostgreSQL and SMTP server on tests/fixtures/catalogue_money_crm.sql: who gets which mail,
what it says, who is skipped and why, and what a later or repeated run does."""

from __future__ import annotations

from email.utils import parseaddr

import pytest

from tests.support.runs import last_summary, ledger_rows, run_dag, xlsx_rows
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e


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
    return load_fixtures(dms, "organisation.sql", "catalogue_money_crm.sql")


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
    assert hill.subject == "Payment reminder: overdue balance as of 16 Nov 2026 - Autosur S.A."
    assert "Dear Hill & Sons Ltd.," in text(hill)
    assert "Invoice E 0003-00000403 10 Oct 2026 9 Nov 2026 7 USD 2,000.00" in text(hill)
    assert "Overdue balance: US$ 2,000.00" in text(hill)

    # 01/12: 401 and 402 at level 3 (the salesperson copied), 403 at level 2.
    run(dagbag, DUNNING, at_8("2026-12-01"))
    got = by_rcpt(mails(mail_sink))
    assert set(got) == {TDS, TDS_CC, LAURA, HILL}
    last = got[TDS]
    assert last.subject == "Último aviso: saldo vencido hace 30 días o más - Autosur S.A."
    assert last.message["Cc"] == f"{TDS_CC}, Laura Gómez <{LAURA}>"  # the salesperson, by name
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


# --- 32 credit_limit_exceeded ----------------------------------------------------------------------

CREDIT = "credit_limit_exceeded"


def test_credit_limit_repeats_weekly_per_month_at_the_latest_rate(dagbag, money_dms, mail_sink, ledger):
    # 17/11: 301 owes 105.000,50 over a limit of 80.000; 302 owes USD 2.000 at 1.000 = its limit.
    run(dagbag, CREDIT, at_8("2026-11-17"))
    [notice] = mails(mail_sink)
    assert sorted(notice.rcpt_tos) == [CARLA, LAURA]  # dealership-level credit manager, cc salesperson
    assert notice.subject == "Límite de crédito excedido: Transportes del Sur S.R.L. (C301) - 17/11/2026"
    assert parseaddr(notice.message["To"]) == ("Carla Méndez", CARLA)
    assert notice.message["Cc"] == f"Laura Gómez <{LAURA}>"
    body = text(notice)
    assert "Límite de crédito $ 80.000,00 Saldo abierto $ 105.000,50 Excedente $ 25.000,50" in body
    assert "Vendedor: Laura Gómez." in body
    assert sent_keys(ledger, CREDIT) == {("employee:231", "credit_limit:301:2026-11")}

    # 20/11: 7 days have not passed.
    run(dagbag, CREDIT, at_8("2026-11-20"))
    assert mails(mail_sink) == []
    # 24/11: the second notice of the month.
    run(dagbag, CREDIT, at_8("2026-11-24"))
    assert [m.subject for m in mails(mail_sink)] == [
        "Límite de crédito excedido: Transportes del Sur S.R.L. (C301) - 24/11/2026"
    ]
    # 01/12: a new month counts again; USD is now at 1.100 (30/11), so 302 exceeds its limit too
    # (its salesperson is inactive: no copy).
    run(dagbag, CREDIT, at_8("2026-12-01"))
    got = mails(mail_sink)
    assert sorted(m.subject.split(":")[1].split(" - ")[0].strip() for m in got) == [
        "Hill & Sons Ltd. (C302)",
        "Transportes del Sur S.R.L. (C301)",
    ]
    hill = next(m for m in got if "C302" in m.subject)
    assert hill.rcpt_tos == [CARLA] and hill.message["Cc"] is None
    assert "USD 1 US$ 2.000,00" in text(hill) and "(30/11/2026) 2.200.000,00" in text(hill)
    assert "Excedente $ 200.000,00" in text(hill)
    assert sent_keys(ledger, CREDIT) == {
        ("employee:231", "credit_limit:301:2026-11"),
        ("employee:231", "credit_limit:301:2026-11#2"),
        ("employee:231", "credit_limit:301:2026-12"),
        ("employee:231", "credit_limit:302:2026-12"),
    }


# --- 35 supplier_invoices_due ----------------------------------------------------------------------

SUPPLIERS = "supplier_invoices_due"


def test_supplier_invoices_due_by_branch_overdue_first_with_xlsx(dagbag, money_dms, mail_sink, ledger):
    run(dagbag, SUPPLIERS, at_8("2026-11-30"))
    got = by_rcpt(mails(mail_sink))
    assert set(got) == {ANA, TESORERIA}  # branch 2 has no treasury: the dealership-level one
    central = got[ANA]
    assert central.subject == "Facturas de proveedores a pagar en CENTRAL: 3 (vencidas: 1) - 30/11/2026"
    body = text(central)
    assert "vencen hasta el 05/12/2026" in body
    overdue = body.index("A-0007-00001234")
    assert overdue < body.index("E-0002-00000077") < body.index("A-0007-00001301")
    assert (
        "Repuestos Oeste S.A. A-0007-00001234 21/10/2026 20/11/2026 Vencida hace 10 d ARS 50.000,00" in body
    )
    assert "Total a pagar: $ 80.000,25, US$ 1.200,00" in body
    for absent in ("A-0007-00001302", "A-0002-00000080", "A-0002-00000081", "A-0002-00000090"):
        assert absent not in body  # due 06/12, voided, paid, another branch
    [(filename, content)] = central.attachments()
    assert filename == "facturas-proveedores-CENTRAL-2026-11-30.xlsx"
    rows = xlsx_rows(content)
    assert rows[0] == ("Proveedor", "Factura", "Emisión", "Vencimiento", "Estado", "Moneda", "Saldo")
    assert [r[1] for r in rows[1:]] == ["A-0007-00001234", "E-0002-00000077", "A-0007-00001301"]
    assert "A-0002-00000090" in text(got[TESORERIA])
    assert sent_keys(ledger, SUPPLIERS) == {
        ("employee:241", "supplier_invoices_due:1:2026-11-30"),
        ("employee:243", "supplier_invoices_due:2:2026-11-30"),
    }
    run(dagbag, SUPPLIERS, at_8("2026-11-30"))
    assert mails(mail_sink) == []
    assert last_summary(ledger, f"alert_{SUPPLIERS}")["already_sent"] == 2


# --- 36 exchange_rate_missing ----------------------------------------------------------------------

RATES = "exchange_rate_missing"


def test_exchange_rate_missing_is_silent_when_all_rates_are_there(dagbag, money_dms, mail_sink, ledger):
    run(dagbag, RATES, "2026-11-30T14:00:00+00:00")  # 11:00: USD and EUR have a rate for 30/11
    assert mails(mail_sink) == []
    assert last_summary(ledger, f"alert_{RATES}")["messages"] == 0

    run(dagbag, RATES, "2026-12-01T14:00:00+00:00")  # no USD rate for 01/12 (EUR has one)
    [notice] = mails(mail_sink)
    assert notice.rcpt_tos == [TESORERIA]  # the dealership-level treasury only
    assert notice.subject == "Falta la cotización del 01/12/2026: USD"
    body = text(notice)
    assert "USD (Dólar estadounidense): 1 comprobante; última cotización: 1.100" in body
    assert "del 30/11/2026" in body
    assert "EUR" not in body and "BRL" not in body  # EUR has its rate; the BRL invoice is voided
    assert sent_keys(ledger, RATES) == {("employee:243", "exchange_rate_missing:2026-12-01")}


# --- 25 warranty_claims_pending --------------------------------------------------------------------

WARRANTY = "warranty_claims_pending"


def test_warranty_claims_rejected_first_and_unpaid_repeated_weekly(dagbag, money_dms, mail_sink, ledger):
    run(dagbag, WARRANTY, at_8("2026-11-30"))
    [digest] = mails(mail_sink)
    assert digest.rcpt_tos == [WALTER]  # the dealership-level warranty administrator
    assert digest.subject == "Reclamos de garantía a revisar: rechazados 1, sin pagar 1 - 30/11/2026"
    body = text(digest)
    assert body.index("GAR-0901") < body.index("GAR-0903")  # rejected first
    assert "Falta la foto de la pieza reemplazada" in body
    assert "Presentado, sin pagar GAR-0903" in body
    for absent in ("GAR-0902", "GAR-0904", "GAR-0905"):
        assert absent not in body  # rejected before the week, submitted 20 days ago, approved
    [(filename, content)] = digest.attachments()
    assert filename == "reclamos-garantia-2026-11-30.xlsx"
    assert [r[1] for r in xlsx_rows(content)[1:]] == ["GAR-0901", "GAR-0903"]
    assert sent_keys(ledger, WARRANTY) == {
        ("employee:251", "warranty_claims:2026-11-30"),
        ("employee:251", "claim:901:rejected"),
        ("employee:251", "claim:903:submitted"),
    }
    run(dagbag, WARRANTY, at_8("2026-11-30"))
    assert mails(mail_sink) == []

    # A week later only the claim still submitted comes back, as its second notice.
    run(dagbag, WARRANTY, at_8("2026-12-07"))
    [again] = mails(mail_sink)
    assert again.subject == "Reclamos de garantía a revisar: rechazados 0, sin pagar 1 - 07/12/2026"
    assert "GAR-0901" not in text(again)
    assert ("employee:251", "claim:903:submitted#2") in sent_keys(ledger, WARRANTY)


# --- 37 leads_unattended ---------------------------------------------------------------------------

LEADS = "leads_unattended"


def test_leads_go_to_the_assignee_then_to_the_branch_sales_manager(dagbag, money_dms, mail_sink, ledger):
    run(dagbag, LEADS, "2026-11-30T15:00:00+00:00")  # 12:00 in Buenos Aires
    got = mails(mail_sink)
    assert sorted(address for m in got for address in m.rcpt_tos) == [LAURA, SOFIA, SOFIA]
    laura = next(m for m in got if m.rcpt_tos == [LAURA])
    assert laura.subject == "Lead sin contactar hace 5 h: Martín Acosta (Amarok V6 2026)"
    assert "entró el 30/11/2026 a las 07:00" in text(laura)
    assert "Teléfono: +54 11 5555-1001 E-mail: martin.acosta@example.net" in text(laura)
    to_sofia = {m.subject: m for m in got if m.rcpt_tos == [SOFIA]}
    reassigned = to_sofia["Lead sin contactar hace 26 h: Lucía Fernández (Taos Highline)"]
    assert "el vendedor asignado no puede recibirlo (Inés Ruiz)" in text(reassigned)
    digest = to_sofia["Leads sin contactar hace más de 24 h en Casa Central - Av. Rivadavia 1234, CABA: 1"]
    assert "Lucía Fernández Taos Highline showroom +54 11 5555-1002 26 Inés Ruiz" in text(digest)
    for m in got:
        assert "Pedro Giménez" not in text(m)  # 2 hours only
    # Branch 2 has no sales manager and the lead no assignee: nobody, at either stage.
    assert {s for s in skips(ledger, LEADS) if s[0] == "lead:1006"} == {
        ("lead:1006", "lead:1006:assignee", "no_recipient"),
        ("lead:1006", "leads_unattended:2026-11-30T12:00:00-03:00", "no_recipient"),
    }

    run(dagbag, LEADS, "2026-11-30T15:30:00+00:00")
    assert mails(mail_sink) == []

    # 01/12 08:00: Martín's lead is 25 h old (to the manager, once), Pedro's 22 h (to Laura).
    run(dagbag, LEADS, "2026-12-01T11:00:00+00:00")
    got = {m.rcpt_tos[0]: m for m in mails(mail_sink)}
    assert set(got) == {LAURA, SOFIA}
    assert got[LAURA].subject == "Lead sin contactar hace 22 h: Pedro Giménez (Polo Track)"
    assert "Martín Acosta" in text(got[SOFIA]) and "Lucía Fernández" not in text(got[SOFIA])
    assert ("employee:221", "lead:1001:manager") in sent_keys(ledger, LEADS)
