"""Airflow DAG `alert_customer_statements`, built from families/customer_statements.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
