"""Airflow DAG `alert_service_due`, built from families/service_due.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
