"""Airflow DAG `alert_alerts_health`, built from families/alerts_health.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
