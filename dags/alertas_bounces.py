"""Airflow DAG `alertas_bounces`: the bounce mailbox and the suppression list (README "Bounces").

Built from the `bounces` section of dags/families/_defaults.yaml (alertas_rapidas.bounces.dag).
"""

from alertas_rapidas.bounces.dag import build_bounces_dag
from alertas_rapidas.config import dealership_timezone, load_bounces_config

dag = build_bounces_dag(load_bounces_config(), dealership_timezone())
