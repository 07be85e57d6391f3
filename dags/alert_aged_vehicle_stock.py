"""Airflow DAG `alert_aged_vehicle_stock`, built from families/aged_vehicle_stock.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
