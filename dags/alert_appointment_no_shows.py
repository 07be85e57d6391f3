"""Airflow DAG `alert_appointment_no_shows`, built from families/appointment_no_shows.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
