"""Airflow DAG `alert_payments_pending_authorization`, built from its file in families/."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
