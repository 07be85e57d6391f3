"""Airflow DAG `alert_vehicle_ready_for_pickup`, built from families/vehicle_ready_for_pickup.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
