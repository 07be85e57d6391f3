"""Airflow DAG `alert_special_orders_not_picked_up`, built from families/special_orders_not_picked_up.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
