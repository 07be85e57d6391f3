"""Airflow DAG `alert_contact_data_quality`, built from families/contact_data_quality.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
