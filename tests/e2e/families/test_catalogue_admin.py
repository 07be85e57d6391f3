"""Catalogue families of the "admin" group end to end (real PostgreSQL, real SMTP server, real
DAG runs): 38 satisfaction_surveys, 40 alerts_health, 41 contact_data_quality."""

from __future__ import annotations

import hashlib
import hmac
import io
import uuid
from datetime import date

import pytest

from alertas_rapidas.storage import run_dir
from tests.support.received import html, plain
from tests.support.runs import last_summary, ledger_rows, run_dag
from tests.support.scenario import fresh_databases, load_fixtures, run_and_record

pytestmark = pytest.mark.e2e


FRI_20 = "2026-11-20T11:00:00+00:00"  # 08:00 Buenos Aires
MON_23 = "2026-11-23T11:00:00+00:00"
MON_30 = "2026-11-30T11:00:00+00:00"
MON_7 = "2026-12-07T11:00:00+00:00"

SECRET = "k7Qz-survey-link-secret-9f3e2a1b"
CAROLINA = "carolina.mendez@autosur.example.com"


@pytest.fixture
def admin_dms(dms):
    return load_fixtures(dms, "organisation.sql", "catalogue_admin.sql")


def by_address(messages) -> dict:
    received = {}
    for message in messages:
        received[message.rcpt_tos[0]] = message
    return received


def token(ref: str) -> str:
    return hmac.new(SECRET.encode(), ref.encode(), hashlib.sha256).hexdigest()


def ledger_set(ledger, family: str) -> set[tuple]:
    return row_set(ledger_rows(ledger, family))


def row_set(rows) -> set[tuple]:
    return {(r["recipient_ref"], r["business_key"], r["status"], r["reason"]) for r in rows}


# --- 38 satisfaction_surveys ---------------------------------------------------------------------


def test_satisfaction_surveys_link_a_signed_token_never_the_id(
    admin_dms, dagbag, mail_sink, ledger, monkeypatch
):
    monkeypatch.setenv("AIRFLOW_VAR_ALERTAS_SURVEY_SECRET", SECRET)
    dag_id, family = "alert_satisfaction_surveys", "satisfaction_surveys"
    run = run_dag(dagbag, dag_id, FRI_20, retries=0)
    assert run.state == "success"

    mails = by_address(mail_sink.store.messages)
    # Delivered / invoiced on 17/11 (local): sale 1001 and work order 2001; 1002 opted out, 1003
    # no e-mail, 2002 malformed e-mail; 1004 (16/11 23:59), 1005 (cancelled), 2003 (not
    # invoiced) and 2004 (18/11 00:00) are not on the day.
    assert set(mails) == {"pagos@tds.example.net", "emily.clarke@example.co.uk"}
    sale = mails["pagos@tds.example.net"]
    assert sale.message["To"] == '"Transportes del Sur S.R.L." <pagos@tds.example.net>'
    assert sale.message["Cc"] == "administracion@tds.example.net"
    assert set(sale.rcpt_tos) == {"pagos@tds.example.net", "administracion@tds.example.net"}
    assert sale.subject == "¿Cómo fue su experiencia con Autosur S.A.?"
    text = plain(sale)
    assert "Estimado/a Transportes del Sur S.R.L.:" in text
    assert (
        "Gracias por confiar en nosotros para la compra de su Toyota Hilux SRX 4x4 AT (dominio AH 123 BC), "
        "que le entregamos el 17/11/2026 en Casa Central" in text
    )
    link = f"https://encuestas.example/s/{token('sale:1001')}"
    assert f"Responder la encuesta: {link}" in text
    assert f'href="{link}"' in html(sale)

    english = mails["emily.clarke@example.co.uk"]
    assert english.subject == "How was your experience with Autosur S.A.?"
    assert english.message["To"] == "Emily Clarke <emily.clarke@example.co.uk>"
    text = plain(english)
    assert "Dear Emily Clarke," in text
    assert "the service of your Volkswagen Amarok (plate AF 456 DE), done on 17 Nov 2026" in text
    assert f"Answer the survey: https://encuestas.example/s/{token('wo:2001')}" in text

    # The link carries the token, never the id; the secret is nowhere in a mail, header or file.
    for mail in (sale, english):
        raw = mail.message.as_string()
        assert (
            "/s/1001" not in raw and "/s/2001" not in raw and "sale:1001" not in raw and "wo:2001" not in raw
        )
        assert SECRET not in raw
        assert all(SECRET not in str(value) for value in mail.message.values())
    for path in run_dir(dag_id, run.run_id).rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path

    assert ledger_set(ledger, family) == {
        ("customer:901", "survey:sale:1001", "sent", None),
        ("customer:902", "survey:wo:2001", "sent", None),
        ("customer:903", "survey:sale:1002", "skipped", "opted_out"),
        ("customer:904", "survey:wo:2002", "skipped", "malformed_email"),
        ("customer:905", "survey:sale:1003", "skipped", "no_email"),
    }
    summary = last_summary(ledger, dag_id)
    assert (summary["candidates"], summary["sent"]) == (5, 2)
    assert summary["skipped"] == {"malformed_email": 1, "no_email": 1, "opted_out": 1}

    mail_sink.store.clear()
    assert run_dag(dagbag, dag_id, FRI_20, retries=0).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, dag_id)["already_sent"] == 2


def test_satisfaction_surveys_without_the_variable_sign_with_the_packages_own_secret(
    admin_dms, dagbag, mail_sink, ledger, monkeypatch
):
    # Issue 21: a fresh install has no Variable; the links are signed with a random secret the
    # package keeps (alerts.link_secrets), which `ops secrets reveal` gives to the survey site.
    monkeypatch.delenv("AIRFLOW_VAR_ALERTAS_SURVEY_SECRET", raising=False)
    assert run_dag(dagbag, "alert_satisfaction_surveys", FRI_20, retries=0).state == "success"
    [own] = ledger.execute(
        "select value from alerts.link_secrets where name = 'alertas_survey_secret'"
    ).fetchone()
    expected = hmac.new(own.encode(), b"sale:1001", hashlib.sha256).hexdigest()
    assert f"https://encuestas.example/s/{expected}" in plain(
        by_address(mail_sink.store.messages)["pagos@tds.example.net"]
    )
    assert own not in mail_sink.store.messages[0].message.as_string()

    # A Variable set later wins: the next invitations are signed with it.
    mail_sink.store.clear()
    ledger.execute("delete from alerts.deliveries where family = 'satisfaction_surveys'")
    monkeypatch.setenv("AIRFLOW_VAR_ALERTAS_SURVEY_SECRET", SECRET)
    from alertas_rapidas.ledger.link_secrets import forget

    forget()
    assert run_dag(dagbag, "alert_satisfaction_surveys", FRI_20, retries=0).state == "success"
    link = f"https://encuestas.example/s/{token('sale:1001')}"
    assert link in plain(by_address(mail_sink.store.messages)["pagos@tds.example.net"])


# --- 41 contact_data_quality ---------------------------------------------------------------------


def xlsx_sheets(data: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return {name: [tuple(c.value for c in row) for row in book[name].iter_rows()] for name in book.sheetnames}


@pytest.fixture(scope="module")
def weekly_reports(postgres, mail_sink, dagbag):
    """Week 48, week 48 again, week 49 once most contacts are fixed, week 50 once all are."""
    dag_id, family = "alert_contact_data_quality", "contact_data_quality"
    with fresh_databases(postgres, mail_sink, "organisation.sql", "catalogue_admin.sql") as db:

        def week(at):
            return run_and_record(
                dagbag, dag_id, at, family=family, mail_sink=mail_sink, ledger=db.ledger, retries=0
            )

        w48, w48_again = week(MON_23), week(MON_23)
        db.dms.execute("update dms.customers set email = 'contacto@example.com' where id in (904, 905, 910)")
        db.dms.execute(
            "update dms.employees set email = 'personal@autosur.example.com' where id in (804, 805)"
        )
        w49 = week(MON_30)
        db.dms.execute("update dms.customers set email = 'ana.martinez@example.com' where id = 908")
        w50 = week(MON_7)
        return {"w48": w48, "w48_again": w48_again, "w49": w49, "w50": w50}


@pytest.fixture(scope="module")
def week_48_report(weekly_reports):
    mails = by_address(weekly_reports["w48"].messages)
    return mails[CAROLINA]


def test_contact_data_quality_goes_once_to_the_active_general_manager(weekly_reports):
    assert weekly_reports["w48"].state == "success"
    mails = by_address(weekly_reports["w48"].messages)
    assert set(mails) == {CAROLINA}  # Ricardo, the other general manager, is inactive
    report = mails[CAROLINA]
    assert report.subject == "Contactos que las alertas no pueden alcanzar: semana 2026-W48"
    assert report.message["To"] == f"Carolina Méndez <{CAROLINA}>"


def test_contact_data_quality_lists_the_unreachable_customers_and_employees(week_48_report):
    text = plain(week_48_report)
    assert "Hola Carolina Méndez:" in text
    heading = "Clientes activos con comprobantes emitidos en los últimos 90 días o con un e-mail que rebota"
    assert f"{heading} (3)" in text
    assert "C904 Juan Pérez 20-20000904-4 juan.perez@ E-mail mal formado 10/11/2026 2" in text
    assert "C905 Roberto Sánchez 20-20000905-5 Sin e-mail 26/08/2026 1 Sucursal Norte" in text
    assert "C910 Pedro Blanco" in text  # a blank e-mail is no e-mail; a receipt is a sales document
    # Inactive (906), a valid address (901, 907), only a document 90 days old, voided or after D (908).
    for absent in ("C906", "C901", "C907", "C908"):
        assert absent not in text
    assert "Empleados activos con roles que reciben alertas o con un e-mail que rebota (2)" in text
    assert "Julián Acosta Tesorería Casa Central" in text
    assert (
        "Pablo Ortiz Asesor/a de servicio Sucursal Norte - Av. Maipú 2500, Vicente López pablo.ortiz@autosur"
        in text
    )
    # Sofía (sales_rep: not a role of the setting), Marcelo (inactive), Inés (usable address).
    employees = text.split("Empleados activos", 1)[1]
    for absent in ("Sofía", "Marcelo", "Inés"):
        assert absent not in employees


def test_contact_data_quality_attaches_one_xlsx_with_a_sheet_of_customers_and_one_of_employees(
    week_48_report,
):
    [(filename, content)] = week_48_report.attachments()
    assert filename == "calidad-de-contactos-2026-W48.xlsx"
    sheets = xlsx_sheets(content)
    assert list(sheets) == ["Clientes", "Empleados"]
    assert sheets["Clientes"][0] == (
        "Código",
        "Nombre",
        "CUIT",
        "E-mail registrado",
        "Problema",
        "Último comprobante",
        "Comprobantes (90 días)",
        "Sucursal",
        "Vendedor/a",
    )
    assert [row[0] for row in sheets["Clientes"][1:]] == ["C904", "C910", "C905"]
    assert sheets["Clientes"][1][4] == "E-mail mal formado" and sheets["Clientes"][1][8] == "Sofía Benítez"
    assert sheets["Empleados"] == [
        ("Nombre", "Rol", "Sucursal", "E-mail registrado", "Problema"),
        ("Julián Acosta", "Tesorería", "Casa Central - Av. Rivadavia 1234, CABA", None, "Sin e-mail"),
        (
            "Pablo Ortiz",
            "Asesor/a de servicio",
            "Sucursal Norte - Av. Maipú 2500, Vicente López",
            "pablo.ortiz@autosur",
            "E-mail mal formado",
        ),
    ]


def test_contact_data_quality_records_one_report_a_week(weekly_reports):
    assert row_set(weekly_reports["w48"].rows) == {("employee:801", "contact_quality:2026-W48", "sent", None)}


def test_contact_data_quality_the_same_week_again_sends_nothing(weekly_reports):
    # The same week again: nothing.
    assert weekly_reports["w48_again"].state == "success"
    assert weekly_reports["w48_again"].messages == []


def test_contact_data_quality_the_next_week_lists_only_what_is_still_unreachable(weekly_reports):
    # The next week, once the data is fixed: only Ana, whose invoice of 24/11 now counts.
    assert weekly_reports["w49"].state == "success"
    [report] = weekly_reports["w49"].messages
    text = plain(report)
    assert report.subject.endswith("semana 2026-W49") and "C908 Ana Lucía Martínez" in text
    assert "(1)" in text
    assert "Empleados activos con roles que reciben alertas o con un e-mail que rebota (0)" in text
    assert "Ninguno." in text


def test_contact_data_quality_is_silent_once_everything_is_fixed(weekly_reports):
    # Fixed too: the week after is silent.
    w50 = weekly_reports["w50"]
    assert w50.state == "success"
    assert w50.messages == []
    summary = w50.summary
    assert (summary["run_date"], summary["candidates"], summary["messages"]) == ("2026-12-07", 0, 0)


# --- 40 alerts_health ----------------------------------------------------------------------------

WED_25_0700 = "2026-11-25T10:00:00+00:00"  # D = 25/11; it checks Tuesday 24/11
THU_26_0700 = "2026-11-26T10:00:00+00:00"
OWNERS = "datos@example.com"  # owners_email of the family's config (dealership defaults)


def record_run(
    ledger, family: str, run_date: str, summary: dict, *, dry_run: bool = False, at: str = ""
) -> None:
    import json

    ledger.execute(
        "insert into alerts.runs (dag_id, run_id, family, run_date, dry_run, summary, finished_at) "
        "values (%s, %s, %s, %s, %s, %s::jsonb, %s)",
        (
            f"alert_{family}",
            f"scheduled__{run_date}-{uuid.uuid4()}",
            family,
            run_date,
            dry_run,
            json.dumps({"complete": True, "problems": [], **summary}),
            at or f"{run_date}T11:05:00+00:00",
        ),
    )


def record_delivery(ledger, family: str, ref: str, status: str, updated_at: str) -> None:
    ledger.execute(
        "insert into alerts.deliveries (idempotency_key, family, recipient_ref, business_key, status, "
        "run_date, updated_at) values (%s, %s, %s, 'k', %s, '2026-11-24', %s)",
        (f"{family}:{ref}:{status}", family, ref, status, updated_at),
    )


def test_alerts_health_reports_yesterdays_problems_to_the_owners(admin_dms, dagbag, mail_sink, ledger):
    from alertas_rapidas.transforms.alerts_health import due_families

    dag_id = "alert_alerts_health"
    from alertas_rapidas.ledger.migrations import migrate

    migrate(ledger)
    due = due_families(date(2026, 11, 24))
    # Tuesday 24/11: the daily, hourly and business-days families were due; the weekly ones
    # (Mondays) and this family's own first day were not in question.
    assert {"supplier_payments_ready", "crm_contacts_overdue", "alerts_health"} <= set(due)
    assert "contact_data_quality" not in due and "contact_data_quality" in due_families(date(2026, 11, 23))
    for family in due:
        if family not in ("supplier_payments_ready", "crm_contacts_overdue", "parts_out_of_stock"):
            record_run(ledger, family, "2026-11-24", {})
    record_run(ledger, "crm_contacts_overdue", "2026-11-24", {}, dry_run=True)  # a dry run is no run
    record_run(
        ledger,
        "parts_out_of_stock",
        "2026-11-24",
        {"problems": ["2 message(s) failed permanently"]},
        at="2026-11-24T11:07:00+00:00",
    )
    record_run(ledger, "sales_documents", "2026-11-24", {"complete": False}, at="2026-11-24T23:10:00+00:00")
    record_run(ledger, "invoices_due_soon", "2026-11-23", {"problems": ["an older problem"]})  # not D - 1
    record_delivery(ledger, "parts_out_of_stock", "employee:1", "failed", "2026-11-24T11:06:00+00:00")
    record_delivery(ledger, "parts_out_of_stock", "employee:2", "failed", "2026-11-24T11:06:30+00:00")
    record_delivery(ledger, "invoices_due_soon", "customer:1", "unknown", "2026-11-25T09:59:00+00:00")
    record_delivery(
        ledger, "invoices_due_soon", "customer:2", "deferred", "2026-11-24T09:59:00+00:00"
    )  # > 24 h
    record_delivery(ledger, "invoices_due_soon", "customer:3", "sent", "2026-11-24T12:00:00+00:00")

    assert run_dag(dagbag, dag_id, WED_25_0700, retries=0).state == "success"
    [mail] = mail_sink.store.messages
    assert mail.rcpt_tos == [OWNERS]
    assert mail.subject == "Salud de las alertas del 24/11/2026: 6 problemas"
    text = plain(mail)
    assert "Esto es lo que salió mal en las alertas el 24/11/2026:" in text
    assert "Corridas con problemas (2)" in text
    assert "parts_out_of_stock: 2 message(s) failed permanently (a las 08:07)" in text
    assert "sales_documents: extract or transform did not finish: nothing was delivered (a las 20:10)" in text
    assert "Mensajes sin entregar (últimas 24 h) (2)" in text
    assert "parts_out_of_stock: 2 fallidos" in text
    assert "invoices_due_soon: 1 de resultado desconocido" in text
    assert "postergados" not in text and "an older problem" not in text
    assert "Familias que debían correr y no registraron corrida (2)" in text
    assert "crm_contacts_overdue (programación 0 8 * * *)" in text
    assert "supplier_payments_ready (programación 0 * * * *)" in text
    assert ledger_set(ledger, "alerts_health") == {
        (f"address:{OWNERS}", "alerts_health:2026-11-25", "sent", None)
    }

    mail_sink.store.clear()
    assert run_dag(dagbag, dag_id, WED_25_0700, retries=0).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, dag_id)["already_sent"] == 1

    # Wednesday 25/11 went well: every family due ran (alerts_health's own run is recorded) and
    # the last 24 h hold no failed message: silent.
    ledger.execute("update alerts.deliveries set status = 'sent' where status <> 'sent'")
    for family in due_families(date(2026, 11, 25)):
        if family != "alerts_health":
            record_run(ledger, family, "2026-11-25", {})
    assert run_dag(dagbag, dag_id, THU_26_0700, retries=0).state == "success"
    assert mail_sink.store.messages == []
    summary = last_summary(ledger, dag_id)
    assert (summary["run_date"], summary["candidates"], summary["messages"]) == ("2026-11-26", 0, 0)
