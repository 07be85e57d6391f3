"""Airflow DAG `alert_vehicle_arrived`, built from families/vehicle_arrived.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
