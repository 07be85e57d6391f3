"""Workshop catalogue families (19-23, 26) end to end: real PostgreSQL, real SMTP server, real DAG
runs over tests/fixtures/catalogue_workshop.sql (see its header for the runs it is made for)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.received import plain
from tests.support.runs import last_summary, ledger_rows, run_dag, xlsx_rows
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e


# Run instants in UTC (Buenos Aires is UTC-3 all year).
DEC_1_0800 = "2026-12-01T11:00:00+00:00"
DEC_2_0800 = "2026-12-02T11:00:00+00:00"
DEC_1_1000 = "2026-12-01T13:00:00+00:00"
DEC_2_1000 = "2026-12-02T13:00:00+00:00"
DEC_1_1500 = "2026-12-01T18:00:00+00:00"
DEC_1_1600 = "2026-12-01T19:00:00+00:00"

TDS = "flota@tds.example.net"
TDS_CC = "administracion@tds.example.net"
MILLER = "john.miller@example.com"
PAULA = "paula.benitez@autosur.example.com"
MARTIN = "martin.acosta@autosur.example.com"
GUSTAVO = "gustavo.herrera@autosur.example.com"
CENTRAL = "Casa Central - Av. Rivadavia 1234, CABA"
NORTE = "Sucursal Norte - Av. Maipú 2500, Vicente López"


@pytest.fixture
def workshop_dms(dms):
    return load_fixtures(dms, "organisation.sql", "catalogue_workshop.sql")


def mails(mail_sink) -> list:
    return list(mail_sink.store.messages)


def by_address(mail_sink) -> dict:
    received = {}
    for message in mail_sink.store.messages:
        received.setdefault(message.rcpt_tos[0], []).append(message)
    return received


def entries(ledger_conn, family: str, status: str | None = None) -> set[tuple]:
    rows = ledger_rows(ledger_conn, family)
    if status == "sent":
        return {(r["recipient_ref"], r["business_key"]) for r in rows if r["status"] == "sent"}
    return {(r["recipient_ref"], r["business_key"], r["status"], r["reason"]) for r in rows}


def run_ok(dagbag, dag_id: str, at: str) -> None:
    assert run_dag(dagbag, dag_id, at, retries=0).state == "success"


def rerun_sends_nothing(dagbag, dag_id: str, at: str, mail_sink, ledger_conn) -> None:
    mail_sink.store.clear()
    run_ok(dagbag, dag_id, at)
    assert mails(mail_sink) == []
    assert last_summary(ledger_conn, dag_id)["sent"] == 0


# --- 19 appointment_reminders -----------------------------------------------------------------


def test_appointment_reminders_once_per_appointment_and_time(workshop_dms, dagbag, mail_sink, ledger):
    dag_id, family = "alert_appointment_reminders", "appointment_reminders"
    run_ok(dagbag, dag_id, DEC_1_1000)

    received = by_address(mail_sink)
    assert set(received) == {TDS, MILLER}  # 02/12 local; 1003 is 03/12 local
    [tds] = received[TDS]
    assert tds.rcpt_tos == [TDS, TDS_CC]
    assert tds.message["To"] == f'"Transportes del Sur S.R.L." <{TDS}>'
    assert tds.message["Cc"] == TDS_CC
    assert tds.subject == "Recordatorio de su turno en el taller: 02/12/2026 a las 09:30 h"
    text = plain(tds)
    assert "Estimado/a Transportes del Sur S.R.L.:" in text
    for line in (
        "Fecha: 02/12/2026",
        "Hora: 09:30 h",
        f"Sucursal: {CENTRAL}",
        "Vehículo: Toyota Hilux (patente AE123CD)",
    ):
        assert line in text
    [miller] = received[MILLER]
    # 23:30 local on 02/12 is already 03/12 in UTC: the local date decides.
    assert miller.subject == "Reminder of your workshop appointment: 2 Dec 2026 at 23:30"
    text = plain(miller)
    assert "Dear John Miller," in text
    assert f"Branch: {NORTE}" in text and "Vehicle: Ford Ranger (plate AF456GH)" in text

    assert entries(ledger, family) == {
        ("customer:801", "appointment:1001:2026-12-02T09:30:00-03:00", "sent", None),
        ("customer:802", "appointment:1002:2026-12-02T23:30:00-03:00", "sent", None),
        ("customer:803", "appointment:1004:2026-12-02T11:00:00-03:00", "skipped", "opted_out"),
        ("customer:804", "appointment:1005:2026-12-02T11:30:00-03:00", "skipped", "no_email"),
        ("customer:805", "appointment:1006:2026-12-02T12:00:00-03:00", "skipped", "malformed_email"),
        ("customer:806", "appointment:1007:2026-12-02T14:00:00-03:00", "skipped", "inactive"),
    }
    summary = last_summary(ledger, dag_id)
    assert (summary["candidates"], summary["sent"]) == (6, 2)
    assert summary["skipped"] == {"inactive": 1, "malformed_email": 1, "no_email": 1, "opted_out": 1}

    rerun_sends_nothing(dagbag, dag_id, DEC_1_1000, mail_sink, ledger)

    # Appointment 1001 is moved to 03/12 11:00: the next day reminds it again, at its new time.
    workshop_dms.execute(
        "update dms.service_appointments set scheduled_at = '2026-12-03 11:00-03' where id = 1001"
    )
    mail_sink.store.clear()
    run_ok(dagbag, dag_id, DEC_2_1000)
    assert sorted(m.subject for m in mails(mail_sink)) == [
        "Recordatorio de su turno en el taller: 03/12/2026 a las 00:30 h",
        "Recordatorio de su turno en el taller: 03/12/2026 a las 11:00 h",
    ]
    assert {key for ref, key in entries(ledger, family, "sent") if key.startswith("appointment:1001:")} == {
        "appointment:1001:2026-12-02T09:30:00-03:00",
        "appointment:1001:2026-12-03T11:00:00-03:00",
    }


# --- 20 appointment_no_shows ------------------------------------------------------------------


def test_appointment_no_shows_digest_per_advisor_each_no_show_once(workshop_dms, dagbag, mail_sink, ledger):
    dag_id, family = "alert_appointment_no_shows", "appointment_no_shows"
    run_ok(dagbag, dag_id, DEC_1_0800)

    # Branch 1's advisors: Paula (Ramiro is inactive, Sergio has no e-mail).
    [paula] = mails(mail_sink)
    assert paula.rcpt_tos == [PAULA]
    assert paula.message["To"] == f"Paula Benítez <{PAULA}>"
    assert paula.subject == "Turnos no presentados del 30/11/2026: 2"
    text = plain(paula)
    assert "Hola Paula Benítez:" in text
    first = f"09:00 Transportes del Sur S.R.L. {TDS} Toyota Hilux AE123CD {CENTRAL}"
    second = f"22:00 John Miller {MILLER} Ford Ranger AF456GH {CENTRAL}"
    assert first in text and second in text and text.index(first) < text.index(second)
    assert "Juan Pérez" not in text  # 29/11 23:30 local (30/11 in UTC)
    assert "María José" not in text  # attended

    assert entries(ledger, family) == {
        ("employee:901", "no_shows:2026-12-01", "sent", None),
        ("employee:901", "no_show:1101", "sent", "in_digest"),
        ("employee:901", "no_show:1102", "sent", "in_digest"),
        # Branch 2 has no advisor and there is none without a branch.
        ("appointment:1104", "no_shows:2026-12-01", "skipped", "no_recipient"),
    }
    summary = last_summary(ledger, dag_id)
    assert summary["sent"] == 1 and summary["skipped"] == {"no_recipient": 1}

    rerun_sends_nothing(dagbag, dag_id, DEC_1_0800, mail_sink, ledger)

    # The next day: only the new no-show.
    mail_sink.store.clear()
    run_ok(dagbag, dag_id, DEC_2_0800)
    [paula] = mails(mail_sink)
    assert paula.subject == "Turnos no presentados del 01/12/2026: 1"
    assert "09:00 Roberto Sánchez roberto.sanchez@example.com Peugeot 208 AE987QR" in plain(paula)


# --- 21 vehicle_ready_for_pickup --------------------------------------------------------------


def test_vehicle_ready_for_pickup_hourly_once_per_work_order(workshop_dms, dagbag, mail_sink, ledger):
    dag_id, family = "alert_vehicle_ready_for_pickup", "vehicle_ready_for_pickup"
    run_ok(dagbag, dag_id, DEC_1_1500)

    received = by_address(mail_sink)
    assert set(received) == {TDS, MILLER}
    [tds] = received[TDS]
    assert tds.rcpt_tos == [TDS, TDS_CC]
    assert tds.subject == "Su Toyota Hilux está listo para retirar"
    text = plain(tds)
    for line in (
        "Orden de reparación: 2001",
        "Vehículo: Toyota Hilux (patente AE123CD)",
        "Terminado el: 01/12/2026 a las 14:10",
        f"Dónde retirarlo: {CENTRAL}",
    ):
        assert line in text
    [miller] = received[MILLER]
    assert miller.subject == "Your Ford Ranger is ready for pickup"
    assert "Finished on: 1 Dec 2026 at 14:59" in plain(miller)
    assert f"Where to collect it: {NORTE}" in plain(miller)

    assert entries(ledger, family) == {
        ("customer:801", "ready_for_pickup:2001", "sent", None),
        ("customer:802", "ready_for_pickup:2002", "sent", None),
        ("customer:803", "ready_for_pickup:2004", "skipped", "opted_out"),
        ("customer:804", "ready_for_pickup:2008", "skipped", "no_email"),
        ("customer:806", "ready_for_pickup:2007", "skipped", "inactive"),
    }
    assert last_summary(ledger, dag_id)["skipped"] == {"inactive": 1, "no_email": 1, "opted_out": 1}

    rerun_sends_nothing(dagbag, dag_id, DEC_1_1500, mail_sink, ledger)

    # The next hour: 2003, finished at 15:00 sharp (the end of the first window).
    mail_sink.store.clear()
    run_ok(dagbag, dag_id, DEC_1_1600)
    [corolla] = mails(mail_sink)
    assert corolla.subject == "Su Toyota Corolla está listo para retirar"
    assert ("customer:801", "ready_for_pickup:2003") in entries(ledger, family, "sent")


# --- 22 work_orders_open_too_long -------------------------------------------------------------


def test_work_orders_open_too_long_report_per_branch_with_xlsx(workshop_dms, dagbag, mail_sink, ledger):
    dag_id, family = "alert_work_orders_open_too_long", "work_orders_open_too_long"
    run_ok(dagbag, dag_id, DEC_1_0800)

    received = by_address(mail_sink)
    # Branch 1: Martín (Elena is inactive); branch 2 has no manager: Gustavo, with no branch.
    assert set(received) == {MARTIN, GUSTAVO}
    [martin] = received[MARTIN]
    assert martin.message["To"] == f"Martín Acosta <{MARTIN}>"
    assert martin.subject == f"Órdenes de reparación abiertas hace 10 días o más: 2 en {CENTRAL}"
    text = plain(martin)
    assert "2101 21/11/2026 10 Roberto Sánchez Peugeot 208 AE987QR Paula Benítez" in text
    # Opened 22/11 01:00 UTC, 21/11 22:00 local: 10 days.
    assert "2102 21/11/2026 10 Agropecuaria La Esperanza S.A. Renault Kangoo AB654NP Paula Benítez" in text
    assert "2103" not in text  # 9 days
    [(filename, content)] = martin.attachments()
    assert filename == "ordenes-abiertas-CENTRAL-2026-12-01.xlsx"
    rows = xlsx_rows(content)
    assert rows[0] == ("Orden", "Abierta el", "Días abierta", "Cliente", "Vehículo", "Asesor")
    assert rows[1][:3] == (2101, datetime(2026, 11, 21), 10)  # the work order as a number
    assert len(rows) == 3
    [gustavo] = received[GUSTAVO]
    assert "2104 01/11/2026 30 John Miller Ford EcoSport AC258UV" in plain(gustavo)
    assert gustavo.attachments()[0][0] == "ordenes-abiertas-NORTE-2026-12-01.xlsx"

    assert entries(ledger, family) == {
        ("employee:904", "open_too_long:1:2026-12-01", "sent", None),
        ("employee:905", "open_too_long:2:2026-12-01", "sent", None),
    }
    rerun_sends_nothing(dagbag, dag_id, DEC_1_0800, mail_sink, ledger)


# --- 23 repeat_repairs ------------------------------------------------------------------------


def test_repeat_repairs_both_orders_once_per_new_order(workshop_dms, dagbag, mail_sink, ledger):
    dag_id, family = "alert_repeat_repairs", "repeat_repairs"
    run_ok(dagbag, dag_id, DEC_1_0800)

    received = by_address(mail_sink)
    assert set(received) == {MARTIN, GUSTAVO}
    [martin] = received[MARTIN]
    # The latest earlier order (2201, not 2200), 20 days before.
    assert (
        martin.subject == "Reingreso al taller: orden 2202 (Toyota Hilux), 20 días después de la orden 2201"
    )
    text = plain(martin)
    assert "Hola Martín Acosta:" in text
    assert "Orden 2202 2201" in text
    assert "Abierta 30/11/2026 10:00 08/11/2026 09:00" in text
    assert "Terminada 10/11/2026 15:00" in text
    assert "VIN 8AJHA8CD2N0000701" in text
    [gustavo] = received[GUSTAVO]
    # Exactly 30 days (the setting) is still a repeat repair.
    assert gustavo.subject == (
        "Reingreso al taller: orden 2206 (Volkswagen Amarok), 30 días después de la orden 2205"
    )
    # 2204 (41 days), 2207 (opened before the window) and 2209 (cancelled) are not.
    assert entries(ledger, family) == {
        ("employee:904", "repeat_repair:2202", "sent", None),
        ("employee:905", "repeat_repair:2206", "sent", None),
    }
    rerun_sends_nothing(dagbag, dag_id, DEC_1_0800, mail_sink, ledger)


# --- 26 recall_open_on_appointment ------------------------------------------------------------


def test_recall_open_on_appointment_once_per_appointment_and_campaign(
    workshop_dms, dagbag, mail_sink, ledger
):
    dag_id, family = "alert_recall_open_on_appointment", "recall_open_on_appointment"
    run_ok(dagbag, dag_id, DEC_1_0800)

    sent = mails(mail_sink)
    assert [m.rcpt_tos for m in sent] == [[PAULA], [PAULA]]
    assert sorted(m.subject for m in sent) == [
        "Campaña RC-2026-014 pendiente: turno del 02/12/2026 a las 09:30 h (Toyota Hilux)",
        "Campaña RC-2026-022 pendiente: turno del 02/12/2026 a las 09:30 h (Toyota Hilux)",
    ]
    text = plain(next(m for m in sent if "RC-2026-014" in m.subject))
    assert (
        "Campaña: RC-2026-014 - Reemplazo del inflador del airbag del conductor (abierta el 15/09/2026)"
        in text
    )
    assert "Turno: 02/12/2026 a las 09:30 h" in text
    assert "Cliente: Transportes del Sur S.R.L." in text
    assert "Vehículo: Toyota Hilux (patente AE123CD) - VIN 8AJHA8CD2N0000701" in text

    assert entries(ledger, family) == {
        ("employee:901", "recall:1001:RC-2026-014", "sent", None),
        ("employee:901", "recall:1001:RC-2026-022", "sent", None),
        ("appointment:1002", "recall:1002:RC-2026-031", "skipped", "no_recipient"),
    }
    summary = last_summary(ledger, dag_id)
    assert (summary["candidates"], summary["sent"], summary["skipped"]) == (3, 2, {"no_recipient": 1})

    rerun_sends_nothing(dagbag, dag_id, DEC_1_0800, mail_sink, ledger)

    # The next day reaches 05/12: appointment 1010 is new; 1001 was told already.
    mail_sink.store.clear()
    run_ok(dagbag, dag_id, DEC_2_0800)
    assert sorted(m.subject for m in mails(mail_sink)) == [
        "Campaña RC-2026-014 pendiente: turno del 05/12/2026 a las 10:00 h (Toyota Hilux)",
        "Campaña RC-2026-022 pendiente: turno del 05/12/2026 a las 10:00 h (Toyota Hilux)",
    ]
