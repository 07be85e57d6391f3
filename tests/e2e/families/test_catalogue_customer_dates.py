"""Catalogue families 15, 16, 17, 18, 24 and 39 ("customer dates") end to end: real PostgreSQL,
real SMTP server, real DAG runs over several run dates (tests/fixtures/catalogue_customer_dates.sql)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.support.runs import last_summary, ledger_rows, run_dag
from tests.support.scenario import fresh_databases, load_fixtures, run_and_record

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]

# 08:00 Buenos Aires (11:00 UTC) of each run date.
DEC_1 = "2026-12-01T11:00:00+00:00"
DEC_2 = "2026-12-02T11:00:00+00:00"
DEC_3 = "2026-12-03T11:00:00+00:00"
DEC_5 = "2026-12-05T11:00:00+00:00"
DEC_7 = "2026-12-07T11:00:00+00:00"

LAURA = "laura.gomez@autosur.example.com"
MARTA = "marta.diaz@autosur.example.com"
PABLO = "pablo.sosa@autosur.example.com"
HUGO = "hugo.ferrari@autosur.example.com"
RAUL = "raul.vega@autosur.example.com"
TDS = "pagos@tds.example.net"
TDS_CC = "flota@tds.example.net"
JOHN = "john.smith@example.co.uk"
LUCIA = "lucia.fernandez@example.net"
LUCIA_CC = "lucia.trabajo@example.net"

CUSTOMER_SKIPS = {
    ("customer:1603", "no_email"),
    ("customer:1604", "opted_out"),
    ("customer:1605", "inactive"),
    ("customer:1606", "malformed_email"),
}


@pytest.fixture
def dates_dms(dms):
    return load_fixtures(dms, "organisation.sql", "catalogue_customer_dates.sql")


def mails(messages) -> dict[str, object]:
    """The mails received, by their To address (one To per mail)."""
    by_to = {}
    for message in messages:
        (to,) = message.message["To"].addresses
        assert to.addr_spec not in by_to, f"two mails to {to.addr_spec}"
        by_to[to.addr_spec] = message
    return by_to


def plain(message) -> str:
    return " ".join(message.message.get_body(("plain",)).get_content().split())


def run(dagbag, family: str, at: str, mail_sink):
    mail_sink.store.clear()
    assert run_dag(dagbag, f"alert_{family}", at, retries=0).state == "success"
    return mails(mail_sink.store.messages)


def sent_keys(ledger, family: str) -> set[tuple[str, str]]:
    return sent_pairs(ledger_rows(ledger, family))


def sent_pairs(rows) -> set[tuple[str, str]]:
    return {(r["recipient_ref"], r["business_key"]) for r in rows if r["status"] == "sent"}


def skips(ledger, family: str) -> set[tuple[str, str, str]]:
    return skipped_with_why(ledger_rows(ledger, family))


def skipped_with_why(rows) -> set[tuple[str, str, str]]:
    return {(r["recipient_ref"], r["business_key"], r["reason"]) for r in rows if r["status"] == "skipped"}


# --- 15 quotes_expiring ---------------------------------------------------------------------------


def test_quotes_expiring_digest_per_salesperson_once_per_quote_and_valid_until(
    dates_dms, dagbag, mail_sink, ledger
):
    family = "quotes_expiring"
    received = run(dagbag, family, DEC_1, mail_sink)
    # Diego is inactive and Inés has no e-mail: their quotes go to the sales manager of the branch
    # (branch 2's is inactive: the dealership-level one).
    assert {to: m.subject for to, m in received.items()} == {
        LAURA: "Presupuestos por vencer: 2 vencen el 04/12/2026",
        MARTA: "Presupuesto por vencer: 1 vence el 04/12/2026",
        PABLO: "Presupuesto por vencer: 1 vence el 04/12/2026",
    }
    laura = received[LAURA]
    assert laura.message["To"] == f"Laura Gómez <{LAURA}>"
    assert laura.rcpt_tos == [LAURA]
    text = plain(laura)
    assert "Hola Laura Gómez:" in text
    assert "Estos presupuestos abiertos vencen el 04/12/2026." in text
    assert "P-0001-00000801 Transportes del Sur S.R.L. 19/11/2026 ARS 45.800.000,00 Laura Gómez" in text
    assert "P-0001-00000802 John Smith 20/11/2026 USD 38.500,00 Laura Gómez" in text
    for other in ("00000803", "00000804", "00000807"):  # 05/12, accepted, 03/12
        assert other not in text
    assert "P-0001-00000805 María José Rodríguez 18/11/2026 ARS 32.000.000,00 Diego Paz" in plain(
        received[MARTA]
    )
    assert "P-0002-00000806 Agropecuaria La Esperanza S.A." in plain(received[PABLO])
    assert {(r["recipient_ref"], r["business_key"], r["reason"]) for r in ledger_rows(ledger, family)} == {
        ("employee:1501", "quotes_expiring:2026-12-01", None),
        ("employee:1501", "quote:1801:2026-12-04", "in_digest"),
        ("employee:1501", "quote:1802:2026-12-04", "in_digest"),
        ("employee:1504", "quotes_expiring:2026-12-01", None),
        ("employee:1504", "quote:1805:2026-12-04", "in_digest"),
        ("employee:1505", "quotes_expiring:2026-12-01", None),
        ("employee:1505", "quote:1806:2026-12-04", "in_digest"),
    }
    summary = last_summary(ledger, f"alert_{family}")
    assert (summary["run_date"], summary["messages"]) == ("2026-12-01", 3)

    assert run(dagbag, family, DEC_1, mail_sink) == {}  # the same date again: nothing

    # The next day: quote 803 reaches D + 3, and 801 was extended to 05/12: told again.
    dates_dms.execute("update dms.quotes set valid_until = '2026-12-05' where id = 1801")
    received = run(dagbag, family, DEC_2, mail_sink)
    assert set(received) == {LAURA}
    assert received[LAURA].subject == "Presupuestos por vencer: 2 vencen el 05/12/2026"
    text = plain(received[LAURA])
    assert "P-0001-00000801" in text and "P-0001-00000803" in text and "00000802" not in text
    assert {
        ("employee:1501", "quote:1801:2026-12-05"),
        ("employee:1501", "quote:1803:2026-12-05"),
    } <= sent_keys(ledger, family)


# --- 16 vehicle_loans_overdue ---------------------------------------------------------------------


LOANS = "vehicle_loans_overdue"


@pytest.fixture(scope="module")
def loan_runs(postgres, mail_sink, dagbag):
    """01/12, 01/12 again, 02/12, then 03/12 once courtesy car 1902 came back, 05/12 and 07/12."""
    with fresh_databases(postgres, mail_sink, "organisation.sql", "catalogue_customer_dates.sql") as db:

        def day(at):
            return run_and_record(
                dagbag, f"alert_{LOANS}", at, family=LOANS, mail_sink=mail_sink, ledger=db.ledger, retries=0
            )

        runs = {"dec_1": day(DEC_1), "dec_1_again": day(DEC_1), "dec_2": day(DEC_2)}
        db.dms.execute("update dms.vehicle_loans set returned_at = '2026-12-02T15:00:00Z' where id = 1902")
        return runs | {"dec_3": day(DEC_3), "dec_5": day(DEC_5), "dec_7": day(DEC_7)}


@pytest.fixture(scope="module")
def first_loan_mails(loan_runs):
    return mails(loan_runs["dec_1"].messages)


def test_vehicle_loans_overdue_one_mail_per_loan_to_whoever_lent_it_or_a_manager(loan_runs, first_loan_mails):
    assert loan_runs["dec_1"].state == "success"
    received = first_loan_mails
    assert {to: m.subject for to, m in received.items()} == {
        LAURA: "Unidad de demostración sin devolver: Toyota SW4 AF001AA (1 día de atraso)",
        RAUL: "Unidad de cortesía sin devolver: Toyota Etios AA003CC (vencida hoy)",
        # Diego is inactive: his courtesy loan goes to the branch's service manager.
        HUGO: "Unidad de cortesía sin devolver: Toyota Etios AA003CC (3 días de atraso)",
        # Inés has no e-mail, branch 2's sales manager is inactive: the dealership-level one.
        PABLO: "Unidad de demostración sin devolver: Toyota Hilux AF005EE (1 día de atraso)",
    }


def test_vehicle_loans_overdue_cc_by_loan_type_never_the_to_again(first_loan_mails):
    received = first_loan_mails
    # CC: the demo's sales manager, the courtesy's service manager; never the To again.
    assert {to: m.rcpt_tos for to, m in received.items()} == {
        LAURA: [LAURA, MARTA],
        RAUL: [RAUL, HUGO],
        HUGO: [HUGO],
        PABLO: [PABLO],
    }
    assert received[LAURA].message["Cc"] == f"Marta Díaz <{MARTA}>"  # a copied employee, by name (issue 13)
    assert received[RAUL].message["To"] == f"Raúl Vega <{RAUL}>"


def test_vehicle_loans_overdue_mail_says_which_car_who_has_it_and_how_late(first_loan_mails):
    text = plain(first_loan_mails[LAURA])
    assert "Hola Laura Gómez:" in text
    assert "debía volver el 30/11/2026 a las 18:00 h y todavía no se registró su devolución" in text
    assert "Vehículo: Toyota SW4 (unidad de demostración) Patente: AF001AA (VIN 8AJFA22G5P0000009)" in text
    assert "En poder de: Carlos Gómez" in text and "Prestada por: Laura Gómez" in text
    assert "Salió: 30/11/2026 a las 10:00" in text and "Estado: 1 día de atraso" in text
    assert "Sucursal: Casa Central" in text


def test_vehicle_loans_overdue_a_loan_nobody_can_receive_is_skipped_once(loan_runs):
    # Loan 1907: Inés has no e-mail and branch 2's service manager a malformed one. One skip for
    # the one row (issue 21: a single-stage family recorded the loan a second time as no_recipient).
    assert skipped_with_why(loan_runs["dec_1"].rows) == {("employee:1503", "vehicle_loan:1907", "no_email")}
    summary = loan_runs["dec_1"].summary
    assert summary["messages"] == 4


def test_vehicle_loans_overdue_the_same_day_again_sends_nothing(loan_runs):
    assert loan_runs["dec_1_again"].state == "success"
    assert mails(loan_runs["dec_1_again"].messages) == {}


def test_vehicle_loans_overdue_a_loan_is_first_reported_the_day_it_is_overdue(loan_runs):
    # 02/12: loan 1903 (due 01/12 09:00) is now overdue; the others wait for their 2 days.
    assert loan_runs["dec_2"].state == "success"
    received = mails(loan_runs["dec_2"].messages)
    assert set(received) == {LAURA}
    assert (
        received[LAURA].subject
        == "Unidad de demostración sin devolver: Volkswagen Taos AF002BB (1 día de atraso)"
    )


def test_vehicle_loans_overdue_repeats_every_two_days_until_the_car_is_back(loan_runs):
    # The courtesy car 1902 came back; 03/12: the second reminder of the others.
    assert loan_runs["dec_3"].state == "success"
    received = mails(loan_runs["dec_3"].messages)
    assert {to: m.subject for to, m in received.items()} == {
        LAURA: "Unidad de demostración sin devolver: Toyota SW4 AF001AA (3 días de atraso)",
        HUGO: "Unidad de cortesía sin devolver: Toyota Etios AA003CC (5 días de atraso)",
        PABLO: "Unidad de demostración sin devolver: Toyota Hilux AF005EE (3 días de atraso)",
    }
    # 05/12: the third and last of 1901, 1905 and 1906, the second of 1903 (two mails to Laura).
    assert loan_runs["dec_5"].state == "success"
    assert sorted(m.subject for m in loan_runs["dec_5"].messages) == [
        "Unidad de cortesía sin devolver: Toyota Etios AA003CC (7 días de atraso)",
        "Unidad de demostración sin devolver: Toyota Hilux AF005EE (5 días de atraso)",
        "Unidad de demostración sin devolver: Toyota SW4 AF001AA (5 días de atraso)",
        "Unidad de demostración sin devolver: Volkswagen Taos AF002BB (4 días de atraso)",
    ]


def test_vehicle_loans_overdue_at_most_three_reminders_a_loan(loan_runs):
    assert loan_runs["dec_7"].state == "success"
    received = mails(loan_runs["dec_7"].messages)
    # 07/12: only 1903 (first sent 02/12) has a third reminder left; the others had theirs.
    assert {to: m.subject for to, m in received.items()} == {
        LAURA: "Unidad de demostración sin devolver: Volkswagen Taos AF002BB (6 días de atraso)",
    }
    assert sent_pairs(loan_runs["dec_7"].rows) == {
        ("employee:1501", "vehicle_loan:1901"),
        ("employee:1501", "vehicle_loan:1901#2"),
        ("employee:1501", "vehicle_loan:1901#3"),
        ("employee:1507", "vehicle_loan:1902"),
        ("employee:1501", "vehicle_loan:1903"),
        ("employee:1501", "vehicle_loan:1903#2"),
        ("employee:1501", "vehicle_loan:1903#3"),
        ("employee:1506", "vehicle_loan:1905"),
        ("employee:1506", "vehicle_loan:1905#2"),
        ("employee:1506", "vehicle_loan:1905#3"),
        ("employee:1505", "vehicle_loan:1906"),
        ("employee:1505", "vehicle_loan:1906#2"),
        ("employee:1505", "vehicle_loan:1906#3"),
    }


# --- 17 warranty_expiring, 24 service_due, 39 vehicle_documents_expiring --------------------------


def test_warranty_expiring_tells_each_owner_once_per_warranty_end(dates_dms, dagbag, mail_sink, ledger):
    family = "warranty_expiring"
    received = run(dagbag, family, DEC_1, mail_sink)
    assert {to: m.subject for to, m in received.items()} == {
        TDS: "La garantía de su Toyota Hilux vence el 31/12/2026",
        JOHN: "The warranty of your Volkswagen Amarok ends on 31 Dec 2026",
    }
    tds = received[TDS]
    assert tds.message["To"].addresses[0].display_name == "Transportes del Sur S.R.L."
    assert tds.rcpt_tos == [TDS, TDS_CC]  # the malformed CC address is dropped
    text = plain(tds)
    assert "Estimado/a Transportes del Sur S.R.L.:" in text
    assert "Vehículo: Toyota Hilux 2024 Patente: AE123BC VIN: 8AJFA22G5P0000001" in text
    assert "Garantía hasta: 31/12/2026" in text
    john = plain(received[JOHN])
    assert "Dear John Smith," in john and "Warranty until: 31 Dec 2026" in john
    assert received[JOHN].rcpt_tos == [JOHN]
    assert {(ref, reason) for ref, _key, reason in skips(ledger, family)} == CUSTOMER_SKIPS
    assert ("customer:1603", "warranty:1703:2026-12-31", "no_email") in skips(ledger, family)
    assert sent_keys(ledger, family) == {
        ("customer:1601", "warranty:1701:2026-12-31"),
        ("customer:1602", "warranty:1702:2026-12-31"),
    }

    assert run(dagbag, family, DEC_1, mail_sink) == {}


def test_service_due_reminds_each_owner_once_per_due_date(dates_dms, dagbag, mail_sink, ledger):
    family = "service_due"
    received = run(dagbag, family, DEC_1, mail_sink)
    assert {to: m.subject for to, m in received.items()} == {
        TDS: "Se acerca el service de su Toyota Hilux: 16/12/2026",
        JOHN: "Your Volkswagen Amarok is due for service: 16 Dec 2026",
    }
    assert received[TDS].rcpt_tos == [TDS, TDS_CC]
    text = plain(received[TDS])
    assert "el próximo service de su vehículo está previsto para el 16/12/2026" in text
    assert "Service previsto: 16/12/2026" in text
    assert "Service due: 16 Dec 2026" in plain(received[JOHN])
    assert {(ref, reason) for ref, _key, reason in skips(ledger, family)} == CUSTOMER_SKIPS
    assert sent_keys(ledger, family) == {
        ("customer:1601", "service_due:1701:2026-12-16"),
        ("customer:1602", "service_due:1702:2026-12-16"),
    }
    summary = last_summary(ledger, f"alert_{family}")
    assert summary["messages"] == 2
    assert summary["skipped"] == {"inactive": 1, "no_email": 1, "opted_out": 1, "malformed_email": 1}

    assert run(dagbag, family, DEC_1, mail_sink) == {}


def test_vehicle_documents_expiring_one_mail_per_document(dates_dms, dagbag, mail_sink, ledger):
    family = "vehicle_documents_expiring"
    received = run(dagbag, family, DEC_1, mail_sink)
    assert {to: m.subject for to, m in received.items()} == {
        TDS: "Vence la VTV (verificación técnica vehicular) de su Toyota Hilux: 16/12/2026",
        JOHN: "The insurance of your Volkswagen Amarok expires on 16 Dec 2026",
    }
    assert received[TDS].rcpt_tos == [TDS, TDS_CC]
    text = plain(received[TDS])
    assert "Documento: VTV (Número VTV-2025-884411)" in text and "Vence: 16/12/2026" in text
    assert "Saque turno en la planta verificadora" in text
    assert "Document: Insurance (Number POL-55003)" in plain(received[JOHN])
    # 1706 (registration): malformed e-mail; 1708 is dealer stock, not a customer's.
    assert skips(ledger, family) == {
        ("customer:1606", "vehicle_document:1706:registration:2026-12-16", "malformed_email")
    }

    assert run(dagbag, family, DEC_1, mail_sink) == {}

    received = run(dagbag, family, DEC_2, mail_sink)  # 1701's insurance expires 17/12
    assert {to: m.subject for to, m in received.items()} == {
        TDS: "Vence el seguro de su Toyota Hilux: 17/12/2026"
    }
    assert sent_keys(ledger, family) == {
        ("customer:1601", "vehicle_document:1701:vtv:2026-12-16"),
        ("customer:1602", "vehicle_document:1702:insurance:2026-12-16"),
        ("customer:1601", "vehicle_document:1701:insurance:2026-12-17"),
    }


# --- 18 birthday_greetings ------------------------------------------------------------------------


def test_birthday_greetings_29_february_on_28_february_of_non_leap_years(
    dates_dms, dagbag, mail_sink, ledger
):
    family = "birthday_greetings"
    feb_28_2027 = "2027-02-28T12:00:00+00:00"  # 09:00 Buenos Aires; 2027 is not a leap year
    received = run(dagbag, family, feb_28_2027, mail_sink)
    assert {to: m.subject for to, m in received.items()} == {
        JOHN: "Happy birthday, John Smith!",
        LUCIA: "¡Feliz cumpleaños, Lucía Fernández!",
    }
    assert received[LUCIA].rcpt_tos == [LUCIA, LUCIA_CC]
    assert received[LUCIA].message["To"] == f"Lucía Fernández <{LUCIA}>"
    text = plain(received[LUCIA])
    assert "Estimado/a Lucía Fernández:" in text
    assert "Todo el equipo de Autosur S.A. le desea un muy feliz cumpleaños." in text
    assert "Everyone at Autosur S.A. wishes you a very happy birthday." in plain(received[JOHN])
    assert {(ref, reason) for ref, _key, reason in skips(ledger, family)} == CUSTOMER_SKIPS
    assert ("customer:1605", "birthday:1605:2027", "inactive") in skips(ledger, family)

    assert run(dagbag, family, feb_28_2027, mail_sink) == {}
    # 2028 is a leap year: 28 February greets the 28th only, 29 February the 29th.
    assert set(run(dagbag, family, "2028-02-28T12:00:00+00:00", mail_sink)) == {JOHN}
    assert set(run(dagbag, family, "2028-02-29T12:00:00+00:00", mail_sink)) == {LUCIA}
    assert {key for ref, key in sent_keys(ledger, family) if ref == "customer:1607"} == {
        "birthday:1607:2027",
        "birthday:1607:2028",
    }


def test_birthday_query_is_served_by_the_month_day_index(dates_dms):
    sql = (ROOT / "sql" / "birthday_greetings" / "customers.sql").read_text()
    dates_dms.execute("set enable_seqscan = off")
    for day in (date(2027, 2, 28), date(2028, 2, 29), date(2026, 12, 1)):
        plan = "\n".join(row[0] for row in dates_dms.execute("explain " + sql, {"run_date": day}).fetchall())
        assert "customers_birth_month_day_idx" in plan, plan
