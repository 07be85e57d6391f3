"""Airflow DAG `alert_vehicle_ready_for_delivery`, built from families/vehicle_ready_for_delivery.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
