"""Airflow DAG `alert_rejected_cheques`, built from families/rejected_cheques.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
