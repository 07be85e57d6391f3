"""Airflow DAG `alert_slow_moving_parts`, built from families/slow_moving_parts.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
