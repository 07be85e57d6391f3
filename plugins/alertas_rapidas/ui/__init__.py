"""The "Alertas Rápidas" page of the Airflow UI: what the ledger holds, per family and day.

`plugins/alertas_ui_plugin.py` mounts the FastAPI app of `app.py` under `/alertas` on the API
server and adds it to the UI's navigation (and a tab on every DAG run). The page reads the
delivery ledger and the run log (`alertas_rapidas.ledger`) through the `alerts_postgres`
connection, read-only, and shows counts only: never a recipient.
"""
