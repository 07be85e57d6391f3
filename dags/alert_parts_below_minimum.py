"""Airflow DAG `alert_parts_below_minimum`, built from families/parts_below_minimum.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
