"""Airflow DAG `alert_cheques_to_deposit`, built from families/cheques_to_deposit.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
