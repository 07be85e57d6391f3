"""Airflow DAG `alert_appointment_reminders`, built from families/appointment_reminders.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
