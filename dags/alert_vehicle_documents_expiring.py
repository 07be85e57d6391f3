"""Airflow DAG `alert_vehicle_documents_expiring`, built from families/vehicle_documents_expiring.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
