"""A brand-new alert made of files only (YAML + SQL + templates) in a project folder of its own,
run end to end against the real PostgreSQL and SMTP server: digests per salesperson with an
XLSX, a repeat every 2 days at most twice, and a business-days schedule (Argentine holidays plus
an extra date from the config)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.project import bundle_dagbag, write_files
from tests.support.runs import last_summary, ledger_rows, run_dag, xlsx_rows

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
KEY = "overdue_by_salesperson"
DAG_ID = f"alert_{KEY}"
EACH = "overdue_each_once"

# Tuesday 24/11/2026 08:00 in Buenos Aires: Monday 23/11 is a national holiday.
TUE_24 = "2026-11-24T11:00:00+00:00"
WED_25 = "2026-11-25T11:00:00+00:00"
THU_26 = "2026-11-26T11:00:00+00:00"
MON_30 = "2026-11-30T11:00:00+00:00"

LAURA = "laura.gomez@autosur.example.com"
DIEGO = "diego.paz@autosur.example.com"
MARTA = "marta.diaz@autosur.example.com"

FILES = {
    f"dags/alert_{KEY}.py": '''
        """Airflow DAG `alert_overdue_by_salesperson`, built from families/overdue_by_salesperson.yaml."""

        from alertas_rapidas.dag_factory import build_family_dag

        dag = build_family_dag(__file__)
    ''',
    f"dags/families/{KEY}.yaml": """
        # Written by a data team with no Python: the whole alert is this file, its SQL and templates.
        key: overdue_by_salesperson
        title: Overdue invoices by salesperson (facturas vencidas por vendedor)
        audience: internal
        description: |
          Each salesperson gets one digest of their customers' invoices overdue min_days_overdue
          days or more, with the list as XLSX; an inactive salesperson's customers go to the
          general manager. Sent again every 2 days while any remain, at most twice a month.
        owners_email: [datos@autosur.example.com]
        schedule:
          cron: "0 8 * * *"
          business_days: true
          extra_holidays: [2026-11-27]
        settings:
          min_days_overdue: 10
        alert:
          settings:
            min_days_overdue: {type: int, default: 7, min: 1, max: 365, description: days past due}
          rows:
            sql: overdue_by_salesperson/invoices.sql
          columns:
            number: {label: {es: Comprobante, en: Document}}
            customer_name: {label: {es: Cliente, en: Customer}}
            due_date: {kind: date, label: {es: Vencimiento, en: Due date}}
            days_overdue: {kind: int, label: {es: Días de atraso, en: Days overdue}}
            open_amount: {kind: money, total: true, label: {es: Saldo, en: Open amount}}
          table:
            title: {es: Facturas vencidas, en: Overdue invoices}
            columns: [number, customer_name, due_date, days_overdue, open_amount]
          recipients:
            to:
              - employee: salesperson_id
              - role: general_manager
          grouping: digest
          once_per: "overdue:{month}"
          repeat: {every_days: 2, max_times: 2}
          attachments:
            - kind: xlsx
              filename: {es: "facturas-vencidas-{run_date}", en: "overdue-invoices-{run_date}"}
    """,
    # A second copy of the same alert, with settings and keys of its own: each invoice is told
    # once (the digest lists only invoices not yet sent to that salesperson).
    f"dags/alert_{EACH}.py": """
        # Airflow DAG `alert_overdue_each_once`, built from families/overdue_each_once.yaml.

        from alertas_rapidas.dag_factory import build_family_dag

        dag = build_family_dag(__file__)
    """,
    f"dags/families/{EACH}.yaml": """
        key: overdue_each_once
        family: overdue_by_salesperson
        title: Overdue invoices, each told once (facturas vencidas, una vez cada una)
        description: |
          Each salesperson gets one digest a day of their customers' invoices overdue 20 days or
          more that were not told to them yet: each invoice is told once, never repeated.
        settings:
          min_days_overdue: 20
        alert:
          once_per: "overdue_each:{run_date}"
          row_key: "invoice:{number}"
          repeat: null
    """,
    f"sql/{KEY}/invoices.sql": """
        -- Issued invoices still unpaid min_days_overdue days or more after their due date.
        select
            d.number,
            c.legal_name as customer_name,
            c.salesperson_id,
            d.due_date,
            (%(run_date)s::date - d.due_date) as days_overdue,
            d.open_amount
        from dms.sales_documents as d
        inner join dms.customers as c on c.id = d.customer_id
        where d.status = 'issued'
          and d.doc_type = 'invoice'
          and d.open_amount > 0
          and d.due_date <= %(run_date)s::date - %(min_days_overdue)s::int
        order by d.due_date, d.number
    """,
    f"include/templates/{KEY}/labels.yaml": """
        es:
          subject: "Facturas vencidas de sus clientes: {n} al {date}"
          hello: Hola
          hello_end: ":"
          intro: "Estas facturas de sus clientes siguen impagas al {date}:"
          since: "Revisión anterior: {date}."
          total: Total
        en:
          subject: "Your customers' overdue invoices: {n} as of {date}"
          hello: Hello
          hello_end: ","
          intro: "These invoices of your customers are still unpaid as of {date}:"
          since: "Previous review: {date}."
          total: Total
    """,
    f"include/templates/{KEY}/subject.txt": """
        {{ t.subject.format(n=count, date=run_date | short_date(lang)) }}
    """,
    f"include/templates/{KEY}/body.html": """
        {% extends "_layouts/mail.html" %}
        {% from "_macros/tables.html" import report_table %}
        {% block content %}
        <p>{{ t.hello }}{% if recipient_name %} {{ recipient_name }}{% endif %}{{ t.hello_end }}</p>
        <p>{{ t.intro.format(date=run_date | short_date(lang)) }}</p>
        {{ report_table(table, top, totals, lang, t.total) }}
        <p>{{ t.since.format(date=run.window_start | short_date(lang)) }}</p>
        {% endblock %}
    """,
}

DATA = """
insert into dms.employees (id, branch_id, full_name, email, role, active) values
    (501, 1, 'Laura Gómez', 'laura.gomez@autosur.example.com', 'sales_rep', true),
    (502, 1, 'Diego Paz', 'diego.paz@autosur.example.com', 'sales_rep', true),
    (503, 1, 'Inés Ruiz', 'ines.ruiz@autosur.example.com', 'sales_rep', false),
    (504, null, 'Marta Díaz', 'marta.diaz@autosur.example.com', 'general_manager', true);
insert into dms.customers (id, code, legal_name, tax_id, email, branch_id, salesperson_id) values
    (601, 'C601', 'Transportes del Sur S.R.L.', '30-70000001-1', 'pagos@tds.example.net', 1, 501),
    (602, 'C602', 'María José Rodríguez', '27-20000002-2', null, 1, 501),
    (603, 'C603', 'Agropecuaria La Esperanza S.A.', '30-70000003-3', null, 1, 502),
    (604, 'C604', 'Juan Pérez', '20-20000004-4', null, 1, 503);
insert into dms.sales_documents
    (id, branch_id, customer_id, doc_type, letter, number, issue_date, due_date, currency,
     account_type, subtotal, tax, total, open_amount, status, created_at) values
    (701, 1, 601, 'invoice', 'A', '0001-00000701', '2026-10-01', '2026-10-30', 'ARS', 'parts',
     150000.50, 0, 150000.50, 150000.50, 'issued', '2026-10-01T12:00:00Z'),
    (702, 1, 602, 'invoice', 'B', '0001-00000702', '2026-10-11', '2026-11-10', 'ARS', 'service',
     20000, 0, 20000, 20000, 'issued', '2026-10-11T12:00:00Z'),
    (703, 1, 603, 'invoice', 'A', '0001-00000703', '2026-10-02', '2026-11-01', 'ARS', 'vehicles',
     5000, 0, 5000, 5000, 'issued', '2026-10-02T12:00:00Z'),
    (704, 1, 604, 'invoice', 'B', '0001-00000704', '2026-10-06', '2026-11-05', 'ARS', 'parts',
     7000, 0, 7000, 7000, 'issued', '2026-10-06T12:00:00Z'),
    (705, 1, 601, 'invoice', 'A', '0001-00000705', '2026-10-21', '2026-11-20', 'ARS', 'parts',
     900, 0, 900, 900, 'issued', '2026-10-21T12:00:00Z'),
    (706, 1, 602, 'invoice', 'B', '0001-00000706', '2026-10-01', '2026-10-15', 'ARS', 'parts',
     800, 0, 800, 800, 'voided', '2026-10-01T12:00:00Z'),
    (707, 1, 603, 'invoice', 'A', '0001-00000707', '2026-10-01', '2026-10-15', 'ARS', 'parts',
     700, 0, 700, 0, 'issued', '2026-10-01T12:00:00Z');
"""


@pytest.fixture
def project(tmp_path):
    """The new alert's files, in a project folder of its own (not the package's)."""
    return write_files(tmp_path, FILES)


@pytest.fixture
def project_dagbag(project, airflow_db, monkeypatch):
    """The project's DAGs folder, as a DAG bundle of its own beside the package's."""
    bag = bundle_dagbag(project / "dags", monkeypatch)
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {DAG_ID, f"alert_{EACH}"}
    return bag


@pytest.fixture
def overdue_dms(dms):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute(DATA)
    return dms


def received(mail_sink):
    by_address = {}
    for message in mail_sink.store.messages:
        (address,) = message.rcpt_tos
        by_address[address] = message
    return by_address


def test_business_days_schedule_skips_holidays_and_the_configured_extra_date(project_dagbag):
    from airflow.timetables.base import DataInterval, TimeRestriction

    timetable = project_dagbag.get_dag(DAG_ID).timetable
    assert timetable.summary == "0 8 * * * (business days, AR)"

    def next_after(instant: str) -> datetime:
        at = datetime.fromisoformat(instant)
        info = timetable.next_dagrun_info(
            last_automated_data_interval=DataInterval(at, at),
            restriction=TimeRestriction(earliest=None, latest=None, catchup=True),
        )
        return info.run_after.astimezone(UTC)

    # Friday 20/11 -> Tuesday 24/11 (Monday 23/11: Día de la Soberanía Nacional).
    assert next_after("2026-11-20T11:00:00+00:00") == datetime(2026, 11, 24, 11, tzinfo=UTC)
    # Thursday 26/11 -> Monday 30/11 (Friday 27/11: the config's extra holiday).
    assert next_after(THU_26) == datetime(2026, 11, 30, 11, tzinfo=UTC)


def test_a_manual_run_on_a_holiday_still_runs(project_dagbag, overdue_dms, mail_sink, ledger):
    """The calendar governs scheduling only: a manual run for Monday 23/11 (a holiday) runs."""
    run = run_dag(project_dagbag, DAG_ID, "2026-11-23T11:00:00+00:00", retries=0, dry_run=True)
    assert run.state == "success"
    summary = last_summary(ledger, DAG_ID)
    assert (summary["run_date"], summary["messages"], summary["dry_run"]) == ("2026-11-23", 3, 3)
    assert mail_sink.store.messages == []


def test_digests_per_salesperson_repeat_every_two_days_at_most_twice(
    project_dagbag, overdue_dms, mail_sink, ledger
):
    assert run_dag(project_dagbag, DAG_ID, TUE_24, retries=0).state == "success"

    mails = received(mail_sink)
    assert set(mails) == {LAURA, DIEGO, MARTA}  # Inés is inactive: her customer goes to Marta
    laura = mails[LAURA]
    assert laura.subject == "Facturas vencidas de sus clientes: 2 al 24/11/2026"
    assert laura.message["To"] == f"Laura Gómez <{LAURA}>"
    text = laura.message.get_body(("plain",)).get_content()
    assert "Hola Laura Gómez:" in text
    assert "0001-00000701 Transportes del Sur S.R.L. 30/10/2026 25 150.000,50" in text
    assert "0001-00000702 María José Rodríguez 10/11/2026 14 20.000,00" in text
    assert "Total 170.000,50" in text  # the table's total row, from `total: true` on the column
    assert "0001-00000705" not in text  # due 20/11: only 4 days overdue
    # The window of a Tuesday after a holiday Monday starts at the previous business day's run.
    assert "Revisión anterior: 20/11/2026." in text
    html = laura.message.get_body(("html",)).get_content()
    assert "Transportes del Sur S.R.L." in html and ">Vencimiento</th>" in html
    [(filename, content)] = laura.attachments()
    assert filename == "facturas-vencidas-2026-11-24.xlsx"
    rows = xlsx_rows(content)
    assert rows[0] == ("Comprobante", "Cliente", "Vencimiento", "Días de atraso", "Saldo")
    assert rows[1][:2] == ("0001-00000701", "Transportes del Sur S.R.L.")
    assert rows[1][2] == datetime(2026, 10, 30) and rows[1][3] == 25 and float(rows[1][4]) == 150000.50
    assert rows[-1][0] == "Total" and float(rows[-1][4]) == 170000.50
    marta = mails[MARTA].message.get_body(("plain",)).get_content()
    assert "0001-00000704 Juan Pérez" in marta and "Transportes" not in marta
    assert (
        "0001-00000703 Agropecuaria La Esperanza S.A."
        in mails[DIEGO].message.get_body(("plain",)).get_content()
    )

    keys = {(row["recipient_ref"], row["business_key"], row["status"]) for row in ledger_rows(ledger, KEY)}
    assert keys == {
        ("employee:501", "overdue:2026-11", "sent"),
        ("employee:502", "overdue:2026-11", "sent"),
        ("employee:504", "overdue:2026-11", "sent"),
    }

    # The same day again: nothing more.
    mail_sink.store.clear()
    assert run_dag(project_dagbag, DAG_ID, TUE_24, retries=0).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, DAG_ID)["already_sent"] == 3

    # One day later: the 2 days have not passed.
    assert run_dag(project_dagbag, DAG_ID, WED_25, retries=0).state == "success"
    assert mail_sink.store.messages == []

    # Two days later, still overdue: the second and last reminder, under its own key.
    assert run_dag(project_dagbag, DAG_ID, THU_26, retries=0).state == "success"
    assert set(received(mail_sink)) == {LAURA, DIEGO, MARTA}
    assert {
        (r["recipient_ref"], r["business_key"]) for r in ledger_rows(ledger, KEY) if r["status"] == "sent"
    } == {
        *(
            (ref, key)
            for ref in ("employee:501", "employee:502", "employee:504")
            for key in ("overdue:2026-11", "overdue:2026-11#2")
        )
    }

    # Four days later: at most twice a month, so nothing.
    mail_sink.store.clear()
    assert run_dag(project_dagbag, DAG_ID, MON_30, retries=0).state == "success"
    assert mail_sink.store.messages == []


def test_an_instance_with_row_keys_tells_each_invoice_once(project_dagbag, overdue_dms, mail_sink, ledger):
    each = f"alert_{EACH}"
    assert run_dag(project_dagbag, each, TUE_24, retries=0).state == "success"
    mails = received(mail_sink)
    # 20 days or more (this instance's setting): 701 (25 days, Laura's) and 703 (23, Diego's).
    assert set(mails) == {LAURA, DIEGO}
    assert "0001-00000701" in mails[LAURA].message.get_body(("plain",)).get_content()
    rows = {
        (r["recipient_ref"], r["business_key"], r["status"], r["reason"]) for r in ledger_rows(ledger, EACH)
    }
    assert rows == {
        ("employee:501", "overdue_each:2026-11-24", "sent", None),
        ("employee:501", "invoice:0001-00000701", "sent", "in_digest"),
        ("employee:502", "overdue_each:2026-11-24", "sent", None),
        ("employee:502", "invoice:0001-00000703", "sent", "in_digest"),
    }
    assert ledger_rows(ledger, KEY) == []  # the original alert's ledger is its own

    # Two days later 704 (Marta's, 21 days) reaches 20 days; 701 and 703 were told already.
    mail_sink.store.clear()
    assert run_dag(project_dagbag, each, THU_26, retries=0).state == "success"
    mails = received(mail_sink)
    assert set(mails) == {MARTA}  # 702 is only 16 days overdue on 26/11
    laura_rows = [r for r in ledger_rows(ledger, EACH) if r["recipient_ref"] == "employee:501"]
    assert len(laura_rows) == 2  # nothing new for Laura: 701 was told already

    # The same day again: nothing.
    mail_sink.store.clear()
    assert run_dag(project_dagbag, each, THU_26, retries=0).state == "success"
    assert mail_sink.store.messages == []
