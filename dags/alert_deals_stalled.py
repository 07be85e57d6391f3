"""Airflow DAG `alert_deals_stalled`, built from families/deals_stalled.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
