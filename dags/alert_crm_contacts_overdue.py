"""Airflow DAG `alert_crm_contacts_overdue`, built from families/crm_contacts_overdue.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
