"""Airflow DAG `alert_parts_out_of_stock`, built from families/parts_out_of_stock.yaml."""

from alertas_rapidas.dag_factory import build_family_dag

dag = build_family_dag(__file__)
