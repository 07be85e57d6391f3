"""Airflow DAG `alert_recall_open_on_appointment`, built from families/recall_open_on_appointment.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
