"""Catalogue families 11-14 (sales and vehicles) end to end: real PostgreSQL, real SMTP server,
real DAG runs of vehicle_arrived, vehicle_ready_for_delivery, deals_stalled and
aged_vehicle_stock on the fixture catalogue_sales_vehicles.sql."""

from __future__ import annotations

import pytest

from tests.support.received import plain
from tests.support.runs import last_summary, ledger_rows, run_dag, xlsx_rows
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e


# Sunday 20/12/2026 11:00 and 12:00 in Buenos Aires: the hourly windows [10:00, 11:00), [11:00, 12:00).
DEC_20_1100 = "2026-12-20T14:00:00+00:00"
DEC_20_1200 = "2026-12-20T15:00:00+00:00"

LAURA = "laura.gomez@autosur.example.com"
CARLA = "carla.benitez@autosur.example.com"
MARCOS = "marcos.sosa@autosur.example.com"
DIEGO = "diego.paz@autosur.example.com"
TDS = "pagos@tds.example.net"
TDS_CC = "compras@tds.example.net"
JOHN = "john.smith@example.org"
LUCIA = "lucia.fernandez@example.net"


def at_0800(day: str) -> str:
    """08:00 in Buenos Aires (UTC-3) on `day` (YYYY-MM-DD)."""
    return f"{day}T11:00:00+00:00"


@pytest.fixture
def sales_dms(dms):
    return load_fixtures(dms, "organisation.sql", "catalogue_sales_vehicles.sql")


def received(mail_sink) -> dict[str, object]:
    """The mails by their To address (one each)."""
    by_to = {}
    for message in mail_sink.store.messages:
        to = message.message["To"].addresses[0].addr_spec
        assert to not in by_to, f"two mails to {to}"
        by_to[to] = message
    return by_to


def sent_keys(ledger, family: str) -> set[tuple[str, str]]:
    return {
        (r["recipient_ref"], r["business_key"]) for r in ledger_rows(ledger, family) if r["status"] == "sent"
    }


def test_vehicle_arrived_tells_the_salesperson_else_the_sales_manager(sales_dms, dagbag, mail_sink, ledger):
    dag_id, family = "alert_vehicle_arrived", "vehicle_arrived"
    assert run_dag(dagbag, dag_id, DEC_20_1100, retries=0).state == "success"

    mails = received(mail_sink)
    # 1301: Laura's own; 1302: Inés is inactive -> Carla (sales manager of Casa Central);
    # 1303: Tomás has no e-mail, Norte's sales manager is inactive -> Marcos (dealership level).
    # 1304 arrived before the window, 1305 at its end (the next hour's).
    assert {to: m.subject for to, m in mails.items()} == {
        LAURA: "Llegó la unidad de la operación 1301: Toyota Hilux SRV 4x4 AT (Transportes del Sur S.R.L.)",
        CARLA: "Llegó la unidad de la operación 1302: Volkswagen Amarok V6 (Juan Pérez)",
        MARCOS: "Llegó la unidad de la operación 1303: Ford Ranger XLT (Lucía Fernández)",
    }
    laura = mails[LAURA]
    assert laura.rcpt_tos == [LAURA]
    assert laura.message["To"] == f"Laura Gómez <{LAURA}>"
    text = plain(laura)
    assert "Hola Laura Gómez:" in text
    assert "La unidad de la operación 1301 llegó a la concesionaria el 20/12/2026 a las 10:20 h." in text
    assert "VIN: 8AJHA8CD5P1234501" in text
    carla = plain(mails[CARLA])
    assert "Vendedor: Inés Ruiz" in carla and "VIN: sin asignar" in carla

    assert sent_keys(ledger, family) == {
        ("employee:1101", "vehicle_arrived:1301"),
        ("employee:1104", "vehicle_arrived:1302"),
        ("employee:1105", "vehicle_arrived:1303"),
    }
    summary = last_summary(ledger, dag_id)
    assert (summary["candidates"], summary["sent"], summary["skipped"]) == (3, 3, {})

    # The same hour again: nothing.
    mail_sink.store.clear()
    assert run_dag(dagbag, dag_id, DEC_20_1100, retries=0).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, dag_id)["already_sent"] == 3

    # The next hour: the unit that arrived at 11:00 sharp.
    assert run_dag(dagbag, dag_id, DEC_20_1200, retries=0).state == "success"
    assert {to: m.subject for to, m in received(mail_sink).items()} == {
        DIEGO: "Llegó la unidad de la operación 1305: Toyota Yaris XLS (Transportes del Sur S.R.L.)",
    }


def test_vehicle_ready_for_delivery_tells_the_customer_copying_the_salesperson(
    sales_dms, dagbag, mail_sink, ledger
):
    dag_id, family = "alert_vehicle_ready_for_delivery", "vehicle_ready_for_delivery"
    assert run_dag(dagbag, dag_id, DEC_20_1100, retries=0).state == "success"

    mails = received(mail_sink)
    assert set(mails) == {TDS, JOHN, LUCIA}  # 1316 was cancelled after it was ready
    tds = mails[TDS]
    assert tds.subject == "Su Toyota SW4 SRX está listo para entregar - Autosur S.A."
    assert sorted(tds.rcpt_tos) == sorted([TDS, TDS_CC, LAURA])
    assert tds.message["To"] == f'"Transportes del Sur S.R.L." <{TDS}>'
    assert tds.message["Cc"] == f"{TDS_CC}, Laura Gómez <{LAURA}>"  # the salesperson, by name
    text = plain(tds)
    assert "Estimado/a Transportes del Sur S.R.L.:" in text
    assert "Dominio: AF123BC" in text
    assert "Su vendedor, Laura Gómez, se comunicará con usted" in text

    john = mails[JOHN]  # an English-speaking customer
    assert john.subject == "Your Chevrolet Cruze LTZ is ready for delivery - Autosur S.A."
    assert sorted(john.rcpt_tos) == [DIEGO, JOHN]
    assert "Your salesperson, Diego Paz, will contact you" in plain(john)

    lucia = mails[LUCIA]  # her salesperson Inés is inactive: the branch's sales manager is copied
    assert sorted(lucia.rcpt_tos) == [CARLA, LUCIA]
    assert "Inés" not in plain(lucia)
    assert "Nos comunicaremos con usted para acordar el día y el horario de la entrega." in plain(lucia)

    rows = {
        (r["recipient_ref"], r["business_key"], r["status"], r["reason"]) for r in ledger_rows(ledger, family)
    }
    assert rows == {
        ("customer:1201", "vehicle_ready:1311", "sent", None),
        ("customer:1202", "vehicle_ready:1312", "sent", None),
        ("customer:1206", "vehicle_ready:1317", "sent", None),
        ("customer:1203", "vehicle_ready:1313", "skipped", "opted_out"),
        ("customer:1204", "vehicle_ready:1314", "skipped", "no_email"),
        ("customer:1205", "vehicle_ready:1315", "skipped", "malformed_email"),
        ("customer:1207", "vehicle_ready:1318", "skipped", "inactive"),
    }
    summary = last_summary(ledger, dag_id)
    assert (summary["candidates"], summary["sent"]) == (7, 3)
    assert summary["skipped"] == {"inactive": 1, "malformed_email": 1, "no_email": 1, "opted_out": 1}

    mail_sink.store.clear()
    assert run_dag(dagbag, dag_id, DEC_20_1100, retries=0).state == "success"
    assert mail_sink.store.messages == []


def test_deals_stalled_digest_per_salesperson_each_sale_and_stage_every_7_days_at_most_3_times(
    sales_dms, dagbag, mail_sink, ledger
):
    dag_id, family = "alert_deals_stalled", "deals_stalled"
    assert run_dag(dagbag, dag_id, at_0800("2026-11-24"), retries=0).state == "success"

    mails = received(mail_sink)
    assert {to: m.subject for to, m in mails.items()} == {
        LAURA: "Operaciones demoradas: 2 ventas sin avanzar al 24/11/2026",
        CARLA: "Operación demorada: 1 venta sin avanzar al 24/11/2026",  # Inés's sale (inactive)
        DIEGO: "Operación demorada: 1 venta sin avanzar al 24/11/2026",
    }
    laura = mails[LAURA]
    assert laura.message["To"] == f"Laura Gómez <{LAURA}>"
    assert laura.message["Cc"] == f"Carla Benítez <{CARLA}>"  # the sales manager of Casa Central
    text = plain(laura)
    assert "Hola Laura Gómez:" in text
    # Longest in stage first; 1322 has been "arrived" exactly 7 days: not yet.
    assert "1323 Lucía Fernández Renault Kangoo Laura Gómez Pedida a fábrica 01/09/2026 84 60" in text
    assert "1321 Transportes del Sur S.R.L. Peugeot 208 Allure Laura Gómez Arribada 16/11/2026 8 7" in text
    assert text.index("1323") < text.index("1321") and "1322" not in text
    assert "1326" not in text and "1327" not in text  # delivered, cancelled
    assert sorted(mails[DIEGO].rcpt_tos) == [DIEGO, MARCOS]  # Norte's manager is inactive
    assert mails[CARLA].message["Cc"] is None  # she is the recipient herself
    assert "1325 Juan Pérez Citroën C3 Inés Ruiz Financiación 01/11/2026 23 10" in plain(mails[CARLA])

    assert sent_keys(ledger, family) == {
        ("employee:1101", "deals_stalled:2026-11-24"),
        ("employee:1101", "deal:1321:arrived"),
        ("employee:1101", "deal:1323:ordered"),
        ("employee:1104", "deals_stalled:2026-11-24"),
        ("employee:1104", "deal:1325:financing"),
        ("employee:1107", "deals_stalled:2026-11-24"),
        ("employee:1107", "deal:1324:documentation"),
    }

    mail_sink.store.clear()
    assert run_dag(dagbag, dag_id, at_0800("2026-11-24"), retries=0).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, dag_id)["already_sent"] == 3

    def laura_rows(day: str) -> list[str]:
        mail_sink.store.clear()
        assert run_dag(dagbag, dag_id, at_0800(day), retries=0).state == "success"
        mails = received(mail_sink)
        if LAURA not in mails:
            return []
        text = plain(mails[LAURA])
        return [sale for sale in ("1321", "1322", "1323") if f"\n{sale} " in text]

    # 25/11: 1322 is now over 7 days; the others are not due again before 01/12.
    assert laura_rows("2026-11-25") == ["1322"]
    assert set(received(mail_sink)) == {LAURA}
    assert laura_rows("2026-12-01") == ["1321", "1323"]  # 7 days after the first: the second time
    assert set(received(mail_sink)) == {LAURA, CARLA, DIEGO}
    assert laura_rows("2026-12-08") == ["1321", "1322", "1323"]  # 1321, 1323: the third and last
    assert laura_rows("2026-12-15") == ["1322"]  # its third; 1321 and 1323 had their three
    assert {key for ref, key in sent_keys(ledger, family) if ref == "employee:1101" and "1321" in key} == {
        "deal:1321:arrived",
        "deal:1321:arrived#2",
        "deal:1321:arrived#3",
    }


def test_aged_vehicle_stock_digest_per_sales_manager_with_xlsx_once_per_iso_week(
    sales_dms, dagbag, mail_sink, ledger
):
    dag_id, family = "alert_aged_vehicle_stock", "aged_vehicle_stock"
    monday = at_0800("2026-11-30")
    assert run_dag(dagbag, dag_id, monday, retries=0).state == "success"

    mails = received(mail_sink)
    assert {to: m.subject for to, m in mails.items()} == {
        CARLA: "Stock con antigüedad: 3 unidades al 30/11/2026",
        # Norte's sales manager is inactive, and one unit has no branch: the dealership level's.
        MARCOS: "Stock con antigüedad: 2 unidades al 30/11/2026",
    }
    carla = mails[CARLA]
    assert carla.message["To"] == f"Carla Benítez <{CARLA}>"
    text = plain(carla)
    assert "Estas unidades llevan 60 días o más en stock al 30/11/2026" in text
    assert "CENTRAL 9BFZF55P0J1234404 Ford Ka SE 2018 Usado 200 120+ 20.000.000,00" in text
    assert "CENTRAL 9BWAB45U0L1234403 Volkswagen Gol Trend 2020 Usado 95 90–119 8.500.000,50" in text
    assert "CENTRAL 8AJBA3FS0P1234402 Toyota Hilux DX 4x2 2026 Nuevo 60 60–89 15.000.000,00" in text
    assert "1234401" not in text  # 59 days
    assert "1234406" not in text and "1234407" not in text  # sold; never in stock
    assert "Total 43.500.000,50" in text  # the table's total row (every unit is listed)
    [(filename, content)] = carla.attachments()
    assert filename == "stock-con-antiguedad-2026-W49.xlsx"
    rows = xlsx_rows(content)
    assert rows[0] == (
        "Sucursal",
        "VIN",
        "Marca",
        "Modelo",
        "Año",
        "Condición",
        "Días en stock",
        "Antigüedad",
        "Costo",
    )
    assert [row[1] for row in rows[1:4]] == ["9BFZF55P0J1234404", "9BWAB45U0L1234403", "8AJBA3FS0P1234402"]
    assert rows[1][6] == 200 and rows[1][7] == "120+"
    assert rows[-1][0] == "Total" and float(rows[-1][8]) == 43500000.50
    marcos = plain(mails[MARCOS])
    assert "NORTE 93YRSR7H0P1234405 Renault Sandero Stepway 2026 Nuevo 130 120+" in marcos
    assert "9BD37520AN1234408 Fiat Toro Freedom 2022 Usado 70 60–89 12.000.000,00" in marcos

    assert sent_keys(ledger, family) == {
        ("employee:1104", "aged_stock:2026-W49"),
        ("employee:1105", "aged_stock:2026-W49"),
    }

    mail_sink.store.clear()
    assert run_dag(dagbag, dag_id, monday, retries=0).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, dag_id)["already_sent"] == 2

    # The next Monday: a new ISO week, and the Etios has reached 60 days.
    assert run_dag(dagbag, dag_id, at_0800("2026-12-07"), retries=0).state == "success"
    mails = received(mail_sink)
    assert mails[CARLA].subject == "Stock con antigüedad: 4 unidades al 07/12/2026"
    assert "9BRBL3HE0P1234401 Toyota Etios XLS 2026 Nuevo 66 60–89" in plain(mails[CARLA])
    assert ("employee:1104", "aged_stock:2026-W50") in sent_keys(ledger, family)
