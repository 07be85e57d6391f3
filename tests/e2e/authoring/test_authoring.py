"""The authoring tools against a real PostgreSQL: `validate --dms` runs every SQL file on the DMS
schema and checks the columns a config names; `preview` renders what a family would send, sends
nothing and never touches the ledger."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from alertas_rapidas.authoring.preview import index_html, scheduled_instant
from alertas_rapidas.authoring.validate import family_files, validate_all
from alertas_rapidas.config import load_family_config
from alertas_rapidas.contracts.plan import SkippedCandidate
from alertas_rapidas.paths import FAMILIES_DIR, PROJECT_ROOT, SQL_DIR
from alertas_rapidas.schedule.run_time import RunTime
from tests.support.family_files import edit_yaml
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e

FAMILY = "supplier_payments_ready"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"
EXPECTED_SUBJECTS = {
    "Pago listo para retirar: orden 0001-00001522 - Autosur S.A.",
    "Pago listo para retirar: orden 0001-00001526 - Autosur S.A.",
    "Payment ready to collect: order 0100-00001511 - Autosur S.A.",
}


@pytest.fixture
def payments_dms(dms):
    return load_fixtures(dms, "organisation.sql", "supplier_payments_ready.sql")


@pytest.fixture
def families(tmp_path: Path) -> Path:
    """A families folder holding a copy of the supplier payments family."""
    folder = tmp_path / "families"
    folder.mkdir()
    for name in ("_defaults.yaml", f"{FAMILY}.yaml"):
        shutil.copy(FAMILIES_DIR / name, folder / name)
    return folder


def edit_family(families: Path, change) -> None:
    edit_yaml(families / f"{FAMILY}.yaml", change)


def authoring(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, with no Airflow connection defined: it reaches only the
    databases given on its command line."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in ("AIRFLOW_CONN_DMS_POSTGRES", "AIRFLOW_CONN_ALERTS_POSTGRES", "AIRFLOW_CONN_SMTP_DEFAULT")
    }
    return subprocess.run(
        [sys.executable, "-m", "alertas_rapidas.authoring", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=300,
    )


def test_validate_against_the_dms_schema_is_clean(payments_dms, postgres):
    checked, problems = validate_all(dsn=postgres.dsn("dms"))
    assert [problem.line() for problem in problems] == []
    assert checked == len(family_files())


def test_validate_catches_a_config_column_the_sql_does_not_return(payments_dms, postgres, families):
    edit_family(families, lambda data: data["alert"].update(once_per="payment_ready:{order_idx}"))
    # Statically the file is fine: only the database knows the query's columns.
    assert validate_all(families) == (1, [])

    result = authoring("validate", "--families", str(families), "--dms", postgres.dsn("dms"))
    assert result.returncode == 1, result.stdout + result.stderr
    *problems, summary = result.stdout.splitlines()
    assert summary == "1 family checked, 1 problem"
    assert problems[0].startswith(
        f"{families / FAMILY}.yaml: alert.once_per: names column 'order_idx', which "
        f"{FAMILY}/orders.sql does not return; did you mean 'order_id'?; its columns: order_id, number, "
    )


def test_validate_catches_a_detail_key_and_sql_errors(payments_dms, postgres, families, tmp_path):
    sql = tmp_path / "sql"
    for folder in (FAMILY, "_engine"):
        shutil.copytree(SQL_DIR / folder, sql / folder)
    orders = sql / FAMILY / "orders.sql"
    orders.write_text(orders.read_text().replace("o.number,", "o.numbr,"), encoding="utf-8")
    items = sql / FAMILY / "items.sql"
    items.write_text(items.read_text().replace("as order_id", "as payment_order_id"), encoding="utf-8")

    _, problems = validate_all(families, sql_dir=sql, dsn=postgres.dsn("dms"))
    numbr_line = next(n for n, line in enumerate(orders.read_text().splitlines(), 1) if "o.numbr" in line)
    assert [(p.file, p.where) for p in problems] == [
        (str(orders), f"line {numbr_line}"),
        (f"{families / FAMILY}.yaml", "alert.rows.details.invoices.key"),
    ], [p.line() for p in problems]
    assert problems[0].message == "column o.numbr does not exist"
    assert problems[1].message.startswith(
        f"'order_id' is not a column of {FAMILY}/items.sql (a detail query returns its key column); "
        "did you mean 'payment_order_id'?; its columns: payment_order_id, line_no,"
    )

    unreachable = authoring("validate", "--dms", postgres.dsn("no_such_database"))
    assert unreachable.returncode == 1
    assert unreachable.stdout.splitlines()[0].startswith("--dms: (connection): cannot connect: ")


def test_validate_names_a_row_column_a_template_reads_that_the_query_no_longer_returns(
    payments_dms, postgres, families, tmp_path
):
    """`row.<column>` is checked against the rows query on the database: file, line, did-you-mean."""
    from alertas_rapidas.paths import TEMPLATES_DIR

    templates = tmp_path / "templates"
    for folder in [FAMILY, *(p.name for p in TEMPLATES_DIR.glob("_*"))]:
        shutil.copytree(TEMPLATES_DIR / folder, templates / folder)
    body = templates / FAMILY / "body.en.html"
    body.write_text(body.read_text().replace("{{ row.number }}", "{{ row.numbr }}"), encoding="utf-8")
    line = next(n for n, text in enumerate(body.read_text().splitlines(), 1) if "row.numbr" in text)
    # statically nothing is wrong: only the database knows the query's columns
    assert validate_all(families, templates_dir=templates) == (1, [])

    _, problems = validate_all(families, templates_dir=templates, dsn=postgres.dsn("dms"))
    found = [(p.file, p.where) for p in problems]
    assert found == [(str(body), f"line {line}")], [p.line() for p in problems]
    assert problems[0].message.startswith(
        f"row.numbr: 'numbr' is not a column {FAMILY}/orders.sql returns nor a declared column; "
        "did you mean 'number'?; its columns: order_id, number,"
    )


def test_preview_renders_what_would_be_sent_and_sends_nothing(payments_dms, postgres, mail_sink, tmp_path):
    out = tmp_path / "preview"
    result = authoring(
        "preview",
        FAMILY,
        "--date",
        "2026-11-01",
        "--at",
        NOV_1_0800_BUENOS_AIRES,
        "--out",
        str(out),
        "--dms",
        postgres.dsn("dms"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"3 messages, 3 skipped (inactive 1, malformed_email 1, no_email 1) -> {out}; "
        "nothing sent, ledger untouched"
    ]

    assert sorted(p.name for p in out.iterdir()) == [
        "001.eml",
        "001.html",
        "002.eml",
        "002.html",
        "003.eml",
        "003.html",
        "index.html",
        "preview.json",  # each message's ledger key, for the Alertas page's ledger view
    ]
    mails = [
        email.message_from_bytes((out / f"00{n}.eml").read_bytes(), policy=email.policy.default)
        for n in (1, 2, 3)
    ]
    assert {mail["Subject"] for mail in mails} == EXPECTED_SUBJECTS
    assert all(mail["From"].addresses[0].addr_spec == "preview@alertas-rapidas.invalid" for mail in mails)
    spanish = next(mail for mail in mails if "0001-00001522" in mail["Subject"])
    assert spanish["To"].addresses[0].addr_spec == "Cobranzas@repuestosdelplata.example.net"
    number = mails.index(spanish) + 1
    body = (out / f"00{number}.html").read_text(encoding="utf-8")
    assert "Repuestos del Plata &amp; Cía &lt;S.R.L.&gt;" in body and "<S.R.L.>" not in body

    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Messages (3)" in index and "Skipped (3)" in index
    for subject in EXPECTED_SUBJECTS:
        assert subject in index
    for ref, reason in [
        ("supplier:303", "no_email"),
        ("supplier:304", "malformed_email"),
        ("supplier:305", "inactive"),
    ]:
        assert f"<td>{ref}</td><td>payment_ready:{ref.split(':')[1]}</td><td>{reason}</td>" in index
    assert "repeats are shown as first sends" in index
    assert f'<a href="00{number}.eml">eml</a>' in index

    # Nothing reached the SMTP server, and the ledger's database was never set up.
    assert mail_sink.store.messages == []
    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
        assert conn.execute("select 1 from pg_namespace where nspname = 'alerts'").fetchone() is None

    # A second preview replaces the first one's files.
    (out / "007.eml").write_text("stale", encoding="utf-8")
    again = authoring(
        "preview",
        FAMILY,
        "--date",
        "2026-11-01",
        "--at",
        NOV_1_0800_BUENOS_AIRES,
        "--out",
        str(out),
        "--dms",
        postgres.dsn("dms"),
    )
    assert again.returncode == 0 and not (out / "007.eml").exists()


def test_preview_of_a_failing_extract_exits_1_with_one_line(payments_dms, postgres, tmp_path):
    result = authoring(
        "preview",
        FAMILY,
        "--date",
        "2026-11-01",
        "--out",
        str(tmp_path / "p"),
        "--dms",
        postgres.dsn("no_such_database"),
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("preview:")]
    assert len(lines) == 1
    assert lines[0].startswith(f"preview: extract of {FAMILY} failed: cannot connect to the DMS")
    assert 'database "no_such_database" does not exist' in lines[0]
    assert not (tmp_path / "p").exists()


def test_the_default_instant_is_the_last_scheduled_one_of_the_date():
    zone = ZoneInfo("America/Argentina/Buenos_Aires")
    hourly, _ = load_family_config(FAMILIES_DIR / f"{FAMILY}.yaml")
    assert scheduled_instant(hourly, date(2026, 11, 1)) == datetime(2026, 11, 1, 23, 0, tzinfo=zone)
    monthly, _ = load_family_config(FAMILIES_DIR / "customer_statements.yaml")
    assert monthly.schedule.cron.split()[2] == "1"
    fires_at = scheduled_instant(monthly, date(2026, 11, 1))
    assert fires_at.date() == date(2026, 11, 1)
    # A date the cron does not fire on: that date at the family's time of day.
    assert scheduled_instant(monthly, date(2026, 11, 5)) == fires_at.replace(day=5)


def test_the_index_escapes_everything():
    zone = ZoneInfo("America/Argentina/Buenos_Aires")
    at = datetime(2026, 11, 1, 8, tzinfo=zone)
    config, _ = load_family_config(FAMILIES_DIR / f"{FAMILY}.yaml")
    entry = {
        "number": "001",
        "to": ["a<b>@example.com"],
        "cc": [],
        "bcc": [],
        "language": "es",
        "subject": "<script>alert(1)</script> & co",
        "ref": "supplier:<1>",
        "key": "k&1",
        "attachments": ['001-x"y.pdf'],
    }
    page = index_html(
        config,
        RunTime(timezone=str(zone), at=at, window_start=at, window_end=at),
        [entry],
        [SkippedCandidate("supplier:<2>", "payment_ready:<2>", "no_email")],
    )
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "a&lt;b&gt;@example.com" in page and "supplier:&lt;2&gt;" in page
    assert 'href="001-x&quot;y.pdf"' in page
