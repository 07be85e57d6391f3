"""Airflow DAG `alert_work_orders_open_too_long`, built from families/work_orders_open_too_long.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
