"""Airflow DAG `alert_interfaces_not_run`, built from families/interfaces_not_run.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
