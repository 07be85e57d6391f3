"""Airflow DAG `alert_sales_documents`, built from families/sales_documents.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
