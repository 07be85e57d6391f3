"""Airflow DAG `alert_vehicle_loans_overdue`, built from families/vehicle_loans_overdue.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
