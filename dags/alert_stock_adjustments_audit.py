"""Airflow DAG `alert_stock_adjustments_audit`, built from families/stock_adjustments_audit.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
