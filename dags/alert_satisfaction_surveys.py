"""Airflow DAG `alert_satisfaction_surveys`, built from families/satisfaction_surveys.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
