"""Airflow DAG `alert_birthday_greetings`, built from families/birthday_greetings.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
