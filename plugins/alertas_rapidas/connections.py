"""The Airflow connection ids of the package's contract (ops scripts depend on them)."""

DMS_CONN_ID = "dms_postgres"  # the DMS, read-only
ALERTS_CONN_ID = "alerts_postgres"  # the package's own state (ledger, run log)
SMTP_CONN_ID = "smtp_default"  # the outgoing mail server
