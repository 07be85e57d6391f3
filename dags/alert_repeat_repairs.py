"""Airflow DAG `alert_repeat_repairs`, built from families/repeat_repairs.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
