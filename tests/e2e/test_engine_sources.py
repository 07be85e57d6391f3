"""Configured families beyond the DMS and the mail body, through the real extract, transform and
renderer: a family that reads the package's own database, a per-row PDF document from a
language-neutral template, and the Python escape hatch."""

from __future__ import annotations

import io
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alertas_rapidas.config import load_family_config
from alertas_rapidas.connections import DMS_CONN_ID
from alertas_rapidas.contracts.plan import OutgoingMessage, Plan
from alertas_rapidas.engine.family import family_for
from alertas_rapidas.extract import extract_queries, load_frames
from alertas_rapidas.families import load_transform
from alertas_rapidas.paths import TEMPLATES_DIR
from alertas_rapidas.rendering import MessageRenderer
from alertas_rapidas.schedule.run_time import resolve_run_time
from tests.support.runs import pdf_text

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RUN = resolve_run_time(
    timezone="America/Argentina/Buenos_Aires",
    logical_date=datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
    run_after=None,
    interval=None,
)

HEALTH = """
key: delivery_problems
title: Delivery problems (problemas de envío)
audience: internal
description: The data team hears of every family with failed messages, from the package's ledger.
schedule: {cron: "0 7 * * *"}
alert:
  rows: {sql: delivery_problems/rows.sql, database: alerts}
  recipients:
    to: [{addresses: [datos@autosur.example.com]}]
  grouping: report
  once_per: "problems:{run_date}"
"""

LETTERS = """
key: welcome_letters
title: Welcome letters (cartas de bienvenida)
audience: customers
description: Each new customer gets a welcome letter as a PDF in their language.
schedule: {cron: "0 9 * * *"}
alert:
  rows: {sql: welcome_letters/rows.sql}
  recipients:
    to:
      - party: {ref: "customer:{customer_id}", email: email, name: legal_name, language: language}
  once_per: "welcome:{customer_id}"
  attachments:
    - {kind: pdf, template: letter, filename: {es: "bienvenida-{code}", en: "welcome-{code}"}}
"""

HATCH = """
key: special_counts
title: Special counts (conteos especiales)
audience: internal
description: Logic the fields cannot say, in a Python transform; the rows still come from here.
schedule: {cron: "0 9 * * *"}
alert:
  rows: {sql: welcome_letters/rows.sql}
  recipients: {to: [{addresses: [datos@autosur.example.com]}]}
  once_per: "counts:{run_date}"
  transform: "tests.e2e.test_engine_sources:count_customers"
"""

FILES = {
    "dags/families/delivery_problems.yaml": HEALTH,
    "sql/delivery_problems/rows.sql": """
        -- Families with messages that failed, from the ledger (the package's own database).
        select family, count(*)::int as failed
        from alerts.deliveries
        where status = 'failed'
        group by family
        order by family
    """,
    "include/templates/delivery_problems/subject.txt": "{{ count }} families with failed messages\n",
    "include/templates/delivery_problems/body.html": """
        {% for row in rows %}<p>{{ row.family }}: {{ row.failed }}</p>{% endfor %}
    """,
    "dags/families/welcome_letters.yaml": LETTERS,
    "dags/families/special_counts.yaml": HATCH,
    "sql/welcome_letters/rows.sql": """
        select c.id as customer_id, c.code, c.legal_name, c.email, c.language
        from dms.customers as c
        order by c.id
    """,
    "include/templates/welcome_letters/labels.yaml": """
        es: {subject: "Bienvenido/a, {name}", title: Carta de bienvenida, body: "Gracias por elegirnos."}
        en: {subject: "Welcome, {name}", title: Welcome letter, body: "Thank you for choosing us."}
    """,
    "include/templates/welcome_letters/subject.txt": "{{ t.subject.format(name=row.legal_name) }}\n",
    "include/templates/welcome_letters/body.html": "<p>{{ t.body }}</p>\n",
    "include/templates/welcome_letters/letter.html": """
        {% extends "_layouts/pdf.html" %}
        {% block content %}<h1>{{ t.title }}</h1><p>{{ row.legal_name }} ({{ row.code }})</p>
        <p>{{ t.body }}</p>{% endblock %}
    """,
}


def count_customers(frames, settings, run) -> Plan:
    """An escape-hatch transform: (frames, settings, run) -> Plan."""
    return Plan(
        candidates=1,
        messages=[
            OutgoingMessage(
                recipient_ref="team",
                business_key=f"counts:{run.run_date.isoformat()}",
                to=["datos@autosur.example.com"],
                context={"customers": len(frames["rows"])},
            )
        ],
    )


@pytest.fixture
def project(tmp_path):
    for relative, text in FILES.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return tmp_path


def plan_of(project: Path, key: str, out: Path):
    config, settings = load_family_config(project / "dags" / "families" / f"{key}.yaml")
    family = family_for(config)
    results = extract_queries(
        conn_id=DMS_CONN_ID,
        queries=dict(family.queries),
        params=family.sql_params(settings, RUN),
        out_dir=out,
        statement_timeout=config.statement_timeout,
        connections=dict(family.connections),
        parents=dict(family.parents),
    )
    frames = load_frames(results)
    return family, load_transform(family)(frames, settings, RUN)


def test_a_family_reading_the_packages_own_database(project, dms, ledger, tmp_path):
    from alertas_rapidas.ledger.deliveries import ensure_schema

    dms.execute((FIXTURES / "organisation.sql").read_text())
    ensure_schema(ledger)
    ledger.execute(
        "insert into alerts.deliveries (idempotency_key, family, recipient_ref, business_key, status) "
        "values ('k1', 'sales_documents', 'customer:1', 'd:1', 'failed'), "
        "('k2', 'sales_documents', 'customer:2', 'd:2', 'failed'), "
        "('k3', 'customer_statements', 'customer:3', 's:1', 'sent')"
    )
    family, plan = plan_of(project, "delivery_problems", tmp_path / "extract")
    assert family.connections == {"rows": "alerts_postgres"}
    [message] = plan.messages
    assert message.to == ["datos@autosur.example.com"]
    assert [(row["family"], row["failed"]) for row in message.context["rows"]] == [("sales_documents", 2)]
    assert message.context["dealership"]["name"] == "Autosur S.A."  # the engine's query, on the DMS


def test_a_per_row_pdf_document_from_one_template_in_both_languages(project, dms, tmp_path):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute(
        "insert into dms.customers (id, code, legal_name, tax_id, email, language, branch_id) values "
        "(1, 'C0001', 'Lucía Fernández', '27-1', 'lucia@example.com', 'es', 1), "
        "(2, 'C0002', 'John Smith', '20-2', 'john@example.com', 'en', 1)"
    )
    family, plan = plan_of(project, "welcome_letters", tmp_path / "extract")
    assert [m.attachments[0].filename for m in plan.messages] == ["bienvenida-C0001.pdf", "welcome-C0002.pdf"]
    renderer = MessageRenderer(
        "welcome_letters",
        family.templates,
        sender="Autosur <alertas@autosur.example.com>",
        templates_roots=(*(Path(root) for root in family.template_roots), TEMPLATES_DIR),
    )
    spanish, english = (renderer.render(m, message_id=f"<{i}@test>") for i, m in enumerate(plan.messages))
    assert spanish["Subject"] == "Bienvenido/a, Lucía Fernández"
    assert english["Subject"] == "Welcome, John Smith"
    [(name, pdf)] = [(p.get_filename(), p.get_content()) for p in english.iter_attachments()]
    assert name == "welcome-C0002.pdf"
    text = pdf_text(pdf)
    assert "Welcome letter" in text and "John Smith (C0002)" in text and "Thank you for choosing us." in text
    spanish_pdf = next(spanish.iter_attachments()).get_content()
    assert "Carta de bienvenida" in pdf_text(spanish_pdf) and "Lucía Fernández" in pdf_text(spanish_pdf)
    assert io.BytesIO(pdf).getvalue().startswith(b"%PDF")


def test_the_python_escape_hatch_gets_the_configured_rows(project, dms, tmp_path):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute(
        "insert into dms.customers (id, code, legal_name, tax_id, branch_id) values "
        "(1, 'C1', 'Uno', '1', 1), (2, 'C2', 'Dos', '2', 1), (3, 'C3', 'Tres', '3', 1)"
    )
    family, plan = plan_of(project, "special_counts", tmp_path / "extract")
    assert family.transform == "tests.e2e.test_engine_sources:count_customers"
    [message] = plan.messages
    assert message.context == {"customers": 3}
