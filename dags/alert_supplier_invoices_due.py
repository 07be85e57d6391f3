"""Airflow DAG `alert_supplier_invoices_due`, built from families/supplier_payments_ready.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
