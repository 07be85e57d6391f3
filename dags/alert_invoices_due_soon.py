"""Airflow DAG `alert_invoices_due_soon`, built from families/invoices_due_soon.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
