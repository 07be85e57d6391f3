"""A supplier whose address is at `proveedor.local` (an internal network's domain): skipped as
`reserved_domain` by default, delivered when the family's config allows `local`. Real PostgreSQL,
real SMTP server, real DAG runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from alertas_rapidas.paths import FAMILIES_DIR, PROJECT_ROOT
from tests.support.runs import last_summary, ledger_rows, run_dag

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"  # window [07:00, 08:00) local
LOCAL_ADDRESS = "receivables@proveedor.local"
INSTANCE = "supplier_payments_internal"


@pytest.fixture
def local_supplier_dms(dms):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "supplier_payments_ready.sql").read_text())
    # Pacific Parts (order 302, English) is reached at an internal mail domain.
    dms.execute("update dms.suppliers set email = %s where id = 302", (LOCAL_ADDRESS,))
    return dms


def test_a_local_address_is_skipped_as_reserved_domain_by_default(
    local_supplier_dms, dagbag, mail_sink, ledger
):
    run = run_dag(dagbag, "alert_supplier_payments_ready", NOV_1_0800_BUENOS_AIRES, retries=0)
    assert run.state == "success"

    recipients = sorted(address for m in mail_sink.store.messages for address in m.rcpt_tos)
    assert recipients == ["Cobranzas@repuestosdelplata.example.net"] * 2  # orders 301 and 306 only
    rows = {r["business_key"]: r for r in ledger_rows(ledger, "supplier_payments_ready")}
    assert (rows["payment_ready:302"]["status"], rows["payment_ready:302"]["reason"]) == (
        "skipped",
        "reserved_domain",
    )
    # The fixture's really malformed address keeps its own reason.
    assert rows["payment_ready:304"]["reason"] == "malformed_email"
    summary = last_summary(ledger, "alert_supplier_payments_ready")
    assert "reserved_domain" in json.dumps(summary)


@pytest.fixture
def internal_project(tmp_path, airflow_db, monkeypatch):
    """An instance of supplier_payments_ready in a project folder of its own whose config sets
    `allowed_special_domains: [local]` (its SQL and templates come from the package)."""
    from airflow.dag_processing.dagbag import DagBag

    families = tmp_path / "dags" / "families"
    families.mkdir(parents=True)
    shutil.copy(FAMILIES_DIR / "_defaults.yaml", families / "_defaults.yaml")
    shutil.copy(FAMILIES_DIR / "supplier_payments_ready.yaml", families / "supplier_payments_ready.yaml")
    instance = {
        "key": INSTANCE,
        "family": "supplier_payments_ready",
        "title": "Supplier payments ready, internal suppliers",
        "allowed_special_domains": ["local"],
    }
    (families / f"{INSTANCE}.yaml").write_text(yaml.safe_dump(instance), encoding="utf-8")
    dag_file = (PROJECT_ROOT / "dags" / "alert_supplier_payments_ready.py").read_text(encoding="utf-8")
    (tmp_path / "dags" / f"alert_{INSTANCE}.py").write_text(dag_file, encoding="utf-8")

    local = "airflow.dag_processing.bundles.local.LocalDagBundle"
    bundles = [
        {"name": "dags-folder", "classpath": local, "kwargs": {}},
        {"name": "reserved-domains", "classpath": local, "kwargs": {"path": str(tmp_path / "dags")}},
    ]
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps(bundles))
    bag = DagBag(dag_folder=str(tmp_path / "dags"))
    assert bag.import_errors == {}
    return bag


def test_allowed_special_domains_delivers_to_the_local_address(
    local_supplier_dms, internal_project, mail_sink, ledger
):
    run = run_dag(internal_project, f"alert_{INSTANCE}", NOV_1_0800_BUENOS_AIRES, retries=0)
    assert run.state == "success"

    by_recipient = {tuple(m.rcpt_tos): m for m in mail_sink.store.messages}
    assert (LOCAL_ADDRESS,) in by_recipient
    english = by_recipient[(LOCAL_ADDRESS,)]
    assert english.subject == "Payment ready to collect: order 0100-00001511 - Autosur S.A."
    assert LOCAL_ADDRESS in english.message["To"]
    rows = {r["business_key"]: r for r in ledger_rows(ledger, INSTANCE)}
    assert (rows["payment_ready:302"]["status"], rows["payment_ready:302"]["reason"]) == ("sent", None)
    assert rows["payment_ready:304"]["reason"] == "malformed_email"
