"""Airflow DAG `alert_warranty_expiring`, built from families/warranty_expiring.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
