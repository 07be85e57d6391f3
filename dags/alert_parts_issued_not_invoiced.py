"""Airflow DAG `alert_parts_issued_not_invoiced`, built from families/parts_issued_not_invoiced.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
