"""Catalogue families 27-30, 33 and 34 end to end (real PostgreSQL, real SMTP server, real DAG
runs): parts below minimum, special orders not picked up, slow-moving parts, stock adjustments
to audit, cheques to deposit and rejected cheques, on tests/fixtures/catalogue_parts_cheques.sql."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.runs import last_summary, ledger_rows, run_dag, xlsx_rows
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e


MARTIN = "martin.gomez@autosur.example.com"
LUCIA = "lucia.fernandez@autosur.example.com"
CARLOS = "carlos.medina@autosur.example.com"
SOFIA = "sofia.ruiz@autosur.example.com"
DIEGO = "diego.paz@autosur.example.com"
MARTA = "marta.diaz@autosur.example.com"
TDS = "pagos@tds.example.net"
TDS_CC = "admin@tds.example.net"
JOHN = "john.smith@example.com"
PALOMA = "administracion@lapaloma.example.com"


@pytest.fixture
def catalogue_dms(dms):
    return load_fixtures(dms, "organisation.sql", "catalogue_parts_cheques.sql")


def received(mail_sink) -> dict[str, object]:
    """The messages of the mailbox by their To address (each message here has one)."""
    by_to = {}
    for message in mail_sink.store.messages:
        by_to[message.message["To"].addresses[0].addr_spec] = message
    return by_to


def text_of(message) -> str:
    return message.message.get_body(("plain",)).get_content()


def keys(ledger_conn, family: str) -> set[tuple]:
    return {
        (row["recipient_ref"], row["business_key"], row["status"], row["reason"])
        for row in ledger_rows(ledger_conn, family)
    }


def rerun_sends_nothing(dagbag, dag_id: str, instant: str, mail_sink, ledger_conn) -> None:
    mail_sink.store.clear()
    assert run_dag(dagbag, dag_id, instant, retries=0).state == "success"
    assert mail_sink.store.messages == []
    summary = last_summary(ledger_conn, dag_id)
    assert summary["sent"] == 0 and summary["already_sent"] > 0


# -- 27 parts_below_minimum -----------------------------------------------------------------------


def test_parts_below_minimum_one_report_to_the_dealership_parts_manager(
    catalogue_dms, dagbag, mail_sink, ledger
):
    dag_id, at = "alert_parts_below_minimum", "2026-11-10T11:00:00+00:00"
    assert run_dag(dagbag, dag_id, at, retries=0).state == "success"

    mails = received(mail_sink)
    assert set(mails) == {LUCIA}  # the parts manager with no branch, not Martín (CENTRAL)
    mail = mails[LUCIA]
    assert mail.subject == "Repuestos bajo stock mínimo: 3 al 10/11/2026"
    assert mail.message["To"] == f"Lucía Fernández <{LUCIA}>"
    text = text_of(mail)
    assert "Hola Lucía Fernández:" in text
    assert "CAR-0001 Filtro de aire 1,5 3 1,5" in text
    assert "FIL-0001 Filtro de aceite 5 10 5" in text
    assert "MOT-0001 Correa de distribución 4 6 2" in text
    for absent in ("FRE-0001", "ELE-0001", "LUB-0001", "JUN-0001"):
        assert absent not in text, absent
    [(filename, content)] = mail.attachments()
    assert filename == "repuestos-bajo-minimo-2026-11-10.xlsx"
    rows = xlsx_rows(content)
    assert rows[0] == ("Código", "Descripción", "Disponible", "Stock mínimo", "Faltante")
    assert rows[1:] == [
        ("CAR-0001", "Filtro de aire", 1.5, 3, 1.5),
        ("FIL-0001", "Filtro de aceite", 5, 10, 5),
        ("MOT-0001", "Correa de distribución", 4, 6, 2),
    ]
    assert keys(ledger, "parts_below_minimum") == {("employee:902", "below_minimum:2026-11-10", "sent", None)}
    rerun_sends_nothing(dagbag, dag_id, at, mail_sink, ledger)


# -- 30 stock_adjustments_audit -------------------------------------------------------------------


def test_stock_adjustments_audit_reports_the_window_at_or_above_min_value(
    catalogue_dms, dagbag, mail_sink, ledger
):
    dag_id, at = "alert_stock_adjustments_audit", "2026-11-10T11:00:00+00:00"
    assert run_dag(dagbag, dag_id, at, retries=0).state == "success"

    mails = received(mail_sink)
    assert set(mails) == {CARLOS}  # dealership-level audit manager first, not Ana (CENTRAL)
    mail = mails[CARLOS]
    assert mail.subject == "Ajustes de stock a auditar: 3 por $ 161.000,00 - 10/11/2026"
    text = text_of(mail)
    assert "Entre el 09/11/2026 08:00 y el 10/11/2026 08:00 se registraron 3 ajustes" in text
    assert "de $ 50.000,00 o más" in text
    assert "09/11/2026 MOT-0001 Correa de distribución DEP-CEN-1 10 6.000,00 60.000,00 Martín Gómez" in text
    assert "10/11/2026 FIL-0001 Filtro de aceite DEP-CBA-1 8,5 6.000,00 51.000,00" in text
    assert "09/11/2026 FRE-0001 Pastillas de freno delanteras DEP-CEN-1 2 25.000,00 50.000,00" in text
    assert "Total 161.000,00" in text
    assert "LUB-0001" not in text and "ELE-0001" not in text
    [(filename, content)] = mail.attachments()
    assert filename == "ajustes-de-stock-2026-11-10.xlsx"
    rows = xlsx_rows(content)
    assert rows[0][4:7] == ("Cantidad", "Costo unitario", "Valor al costo")
    assert [row[1] for row in rows[1:4]] == ["MOT-0001", "FIL-0001", "FRE-0001"]
    assert rows[1][0] == datetime(2026, 11, 9)
    assert rows[-1][0] == "Total" and float(rows[-1][6]) == 161000.0
    assert keys(ledger, "stock_adjustments_audit") == {
        ("employee:905", "adjustments:2026-11-10", "sent", None)
    }
    rerun_sends_nothing(dagbag, dag_id, at, mail_sink, ledger)


# -- 29 slow_moving_parts -------------------------------------------------------------------------


def test_slow_moving_parts_monthly_report_per_branch(catalogue_dms, dagbag, mail_sink, ledger):
    dag_id, at = "alert_slow_moving_parts", "2026-12-01T11:00:00+00:00"
    assert run_dag(dagbag, dag_id, at, retries=0).state == "success"

    mails = received(mail_sink)
    # CENTRAL to its parts manager (Ernesto has no e-mail); CORDOBA's is inactive: the
    # dealership-level one.
    assert set(mails) == {MARTIN, LUCIA}
    central = mails[MARTIN]
    assert central.subject == "Repuestos sin movimiento en CENTRAL: 5 por $ 266.000,00 - diciembre de 2026"
    text = text_of(central)
    assert "CABA, 5 repuestos con existencia no tuvieron egresos de su depósito" in text
    assert "en los últimos 180 días (al 01/12/2026)" in text
    assert "FRE-0001 Pastillas de freno delanteras DEP-CEN-1 4 25.000,00 100.000,00 04/06/2026" in text
    # Its last issue was 04/06 23:30 in Buenos Aires (05/06 in UTC): idle.
    assert "ELE-0001 Batería 12 V 65 Ah DEP-CEN-1 1 90.000,00 90.000,00 04/06/2026" in text
    assert "MOT-0001 Correa de distribución DEP-CEN-1 8 6.000,00 48.000,00" in text
    assert "CAR-0001 Filtro de aire DEP-CEN-2 2 8.000,00 16.000,00" in text
    assert "JUN-0001" in text  # inactive, still stock on the shelf
    assert "Total 266.000,00" in text
    assert "LUB-0001" not in text  # issued on 05/06 00:30 local
    assert "FIL-0001" not in text  # issued from DEP-CEN-1 on 20/11
    [(filename, content)] = central.attachments()
    assert filename == "repuestos-sin-movimiento-CENTRAL-2026-12.xlsx"
    rows = xlsx_rows(content)
    assert rows[0] == (
        *("Código", "Descripción", "Depósito", "Existencia"),
        *("Costo unitario", "Valor del stock", "Último egreso"),
    )
    assert [row[0] for row in rows[1:-1]] == ["FRE-0001", "ELE-0001", "MOT-0001", "CAR-0001", "JUN-0001"]
    assert rows[1][6] == datetime(2026, 6, 4) and rows[3][6] is None
    assert rows[-1][0] == "Total" and float(rows[-1][5]) == 266000.0
    cordoba = mails[LUCIA]
    assert cordoba.subject == "Repuestos sin movimiento en CORDOBA: 1 por $ 12.000,00 - diciembre de 2026"
    assert "FIL-0001 Filtro de aceite DEP-CBA-1 2 6.000,00 12.000,00" in text_of(cordoba)
    assert keys(ledger, "slow_moving_parts") == {
        ("employee:901", "slow_moving:1:2026-12", "sent", None),
        ("employee:902", "slow_moving:2:2026-12", "sent", None),
    }
    rerun_sends_nothing(dagbag, dag_id, at, mail_sink, ledger)
    # Once per branch and month: a manual run later in the month sends nothing either.
    assert run_dag(dagbag, dag_id, "2026-12-15T11:00:00+00:00", retries=0).state == "success"
    assert mail_sink.store.messages == []


# -- 33 cheques_to_deposit ------------------------------------------------------------------------


def test_cheques_to_deposit_per_branch_with_totals_per_currency(catalogue_dms, dagbag, mail_sink, ledger):
    dag_id = "alert_cheques_to_deposit"
    tuesday = "2026-11-24T11:00:00+00:00"  # the Monday before is a national holiday
    assert dagbag.get_dag(dag_id).timetable.summary == "0 8 * * * (business days, AR)"
    assert run_dag(dagbag, dag_id, tuesday, retries=0).state == "success"

    mails = received(mail_sink)
    assert set(mails) == {SOFIA}  # Jorge (CENTRAL treasury) has no e-mail
    mail = mails[SOFIA]
    assert mail.subject == "Cheques a depositar en CENTRAL: 3 al 24/11/2026"
    assert mail.message["To"] == f"Sofía Ruiz <{SOFIA}>"
    text = text_of(mail)
    assert "hay 3 cheques en cartera que vencen hasta el 26/11/2026 inclusive" in text
    assert "ARS 20/11/2026 Banco Galicia 00012345 Transportes del Sur S.R.L. 150.000,50" in text
    assert "ARS 26/11/2026 Banco Santander 00067890 Estancia La Paloma S.A. 20.000,00" in text
    assert "Total ARS 170.000,50" in text
    assert "USD 25/11/2026 Banco Nación 30001122 1.200,00" in text
    assert "Total USD 1.200,00" in text
    assert "1 de ellos ya venció y sigue en cartera." in text
    assert "ARS: $ 170.000,50" in text and "USD: US$ 1.200,00" in text
    assert "00012399" not in text and "55500011" not in text
    [(filename, content)] = mail.attachments()
    assert filename == "cheques-a-depositar-CENTRAL-2026-11-24.xlsx"
    rows = xlsx_rows(content)
    assert rows[0] == ("Moneda", "Vencimiento", "Banco", "Número", "Cliente", "Importe")
    assert [(row[0], row[3], float(row[5])) for row in rows[1:]] == [
        ("ARS", "00012345", 150000.50),
        ("ARS", "00067890", 20000.0),
        ("Total ARS", None, 170000.50),
        ("USD", "30001122", 1200.0),
        ("Total USD", None, 1200.0),
    ]
    assert keys(ledger, "cheques_to_deposit") == {
        ("employee:907", "cheques_to_deposit:1:2026-11-24", "sent", None),
        # CORDOBA's only treasury holder is inactive and there is none with no branch.
        ("branch:2", "cheques_to_deposit:2:2026-11-24", "skipped", "inactive"),
    }
    summary = last_summary(ledger, dag_id)
    assert (summary["sent"], summary["skipped"]) == (1, {"inactive": 1})
    rerun_sends_nothing(dagbag, dag_id, tuesday, mail_sink, ledger)


# -- 34 rejected_cheques --------------------------------------------------------------------------


def test_rejected_cheques_tell_the_customer_with_the_branch_treasury_in_copy(
    catalogue_dms, dagbag, mail_sink, ledger
):
    dag_id, at = "alert_rejected_cheques", "2026-11-24T18:00:00+00:00"  # 15:00 in Buenos Aires
    assert run_dag(dagbag, dag_id, at, retries=0).state == "success"

    mails = received(mail_sink)
    assert set(mails) == {TDS, JOHN}
    tds = mails[TDS]
    assert sorted(tds.rcpt_tos) == sorted([TDS, TDS_CC, SOFIA])
    assert tds.message["To"] == f'"Transportes del Sur S.R.L." <{TDS}>'
    assert tds.subject == "Cheque rechazado: Banco Galicia N° 00054321 - Autosur S.A."
    text = text_of(tds)
    assert "Estimado/a Transportes del Sur S.R.L.:" in text
    assert "$ 85.000,00 (ARS)" in text
    assert "Sin fondos suficientes" in text
    assert "Le pedimos que se comunique con Casa Central - Av. Rivadavia 1234, CABA (central@autosur" in text
    john = mails[JOHN]
    assert john.rcpt_tos == [JOHN]  # CORDOBA's treasury is inactive: no copy
    assert john.subject == "Rejected cheque: HSBC no. 00011111 - Autosur S.A."
    john_text = text_of(john)
    assert "Dear John Smith," in john_text and "US$ 750.50 (USD)" in john_text
    assert "not given by the bank" in john_text
    assert keys(ledger, "rejected_cheques") == {
        ("customer:801", "rejected_cheque:11", "sent", None),
        ("customer:802", "rejected_cheque:12", "sent", None),
        ("customer:803", "rejected_cheque:13", "skipped", "opted_out"),
        ("customer:804", "rejected_cheque:14", "skipped", "no_email"),
    }
    summary = last_summary(ledger, dag_id)
    assert (summary["sent"], summary["skipped"]) == (2, {"no_email": 1, "opted_out": 1})
    rerun_sends_nothing(dagbag, dag_id, at, mail_sink, ledger)


# -- 28 special_orders_not_picked_up --------------------------------------------------------------


def test_special_orders_tell_the_customer_per_line_then_the_salesperson(
    catalogue_dms, dagbag, mail_sink, ledger
):
    dag_id, family = "alert_special_orders_not_picked_up", "special_orders_not_picked_up"
    nov_10, nov_11, nov_24 = (f"2026-11-{day}T11:00:00+00:00" for day in (10, 11, 24))
    assert run_dag(dagbag, dag_id, nov_10, retries=0).state == "success"

    mails = received(mail_sink)
    # Customers of lines reserved 7+ days ago (1006/1 on 03/11 23:30 local, 04/11 in UTC), and the
    # staff digests of lines 21+ days old: Diego's own, Inés's (inactive) to Marta, the manager.
    assert set(mails) == {TDS, JOHN, PALOMA, DIEGO, MARTA}
    tds = mails[TDS]
    assert sorted(tds.rcpt_tos) == sorted([TDS, TDS_CC])
    assert tds.subject == "Su repuesto lo espera en Casa Central - Av. Rivadavia 1234, CABA: pedido 1001"
    tds_text = text_of(tds)
    assert "desde el 03/11/2026 tenemos reservado para usted el siguiente repuesto" in tds_text
    assert "de su pedido N° 1001" in tds_text
    assert "FRE-0001 Pastillas de freno delanteras" in tds_text
    assert "Lo estamos guardando hace 7 días." in tds_text
    assert "CAR-0001" not in tds_text  # line 2: only 6 days
    assert mails[JOHN].subject.startswith("Your part is waiting for you at Casa Central")
    assert "We have been holding it for 21 days." in text_of(mails[JOHN])
    assert "1,5" in text_of(mails[PALOMA])
    diego = mails[DIEGO]
    assert diego.subject == "Pedidos especiales sin retirar: 1 con 21 o más días"
    assert diego.message["To"] == f"Diego Paz <{DIEGO}>"
    diego_text = text_of(diego)
    assert "1003/1 Juan Pérez JUN-0001" in diego_text
    assert "26 no enviado (sin e-mail)" in diego_text
    marta_text = text_of(mails[MARTA])
    assert "1002/1 John Smith MOT-0001 Correa de distribución 1 20/10/2026 21 enviado" in marta_text
    assert keys(ledger, family) == {
        ("customer:801", "special_order:1001:1:customer", "sent", None),
        ("customer:802", "special_order:1002:1:customer", "sent", None),
        ("customer:803", "special_order:1004:1:customer", "skipped", "opted_out"),
        ("customer:804", "special_order:1003:1:customer", "skipped", "no_email"),
        ("customer:805", "special_order:1007:1:customer", "skipped", "malformed_email"),
        ("customer:806", "special_order:1006:1:customer", "sent", None),
        ("employee:910", "special_orders_staff:2026-11-10", "sent", None),
        ("employee:910", "special_order:1003:1:staff", "sent", "in_digest"),
        ("employee:912", "special_orders_staff:2026-11-10", "sent", None),
        ("employee:912", "special_order:1002:1:staff", "sent", "in_digest"),
        # 1007/1: its salesperson has no e-mail and CORDOBA has no sales manager.
        ("employee:913", "special_orders_staff:2026-11-10", "skipped", "no_email"),
    }
    rerun_sends_nothing(dagbag, dag_id, nov_10, mail_sink, ledger)

    # A day later only 1001/2 reaches 7 days; every other line was told already.
    mail_sink.store.clear()
    assert run_dag(dagbag, dag_id, nov_11, retries=0).state == "success"
    mails = received(mail_sink)
    assert set(mails) == {TDS}
    assert "CAR-0001 Filtro de aire" in text_of(mails[TDS])

    # On 24/11 1001/1, 1004/1 and 1006/1 reach 21 days: Diego's digest lists those, not 1003/1
    # again.
    mail_sink.store.clear()
    assert run_dag(dagbag, dag_id, nov_24, retries=0).state == "success"
    mails = received(mail_sink)
    assert set(mails) == {DIEGO}
    assert mails[DIEGO].subject == "Pedidos especiales sin retirar: 3 con 21 o más días"
    diego_text = text_of(mails[DIEGO])
    assert "1001/1 Transportes del Sur S.R.L." in diego_text
    assert "1006/1 Estancia La Paloma S.A." in diego_text
    assert "23 no enviado (no recibe avisos)" in diego_text  # 1004/1: its customer opted out
    assert "1003/1" not in diego_text
