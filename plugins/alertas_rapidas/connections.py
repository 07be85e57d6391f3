"""The Airflow connection ids of the package's contract (ops scripts depend on them)."""

DMS_CONN_ID = "dms_postgres"  # the DMS, read-only
ALERTS_CONN_ID = "alerts_postgres"  # the package's own state (ledger, run log)
SMTP_CONN_ID = "smtp_default"  # the outgoing mail server


def sender_address(smtp_conn_id: str = SMTP_CONN_ID) -> str:
    """The address alerts are sent from: the SMTP connection's `from_email` extra.

    Reads the connection's settings only (secrets backend, environment or metadata database): no
    mail server is contacted, so rendering never needs one.
    """
    from airflow.sdk import BaseHook

    address = BaseHook.get_connection(smtp_conn_id).extra_dejson.get("from_email")
    if not address:
        raise ValueError(
            f"connection {smtp_conn_id!r} has no 'from_email' extra: set it to the address "
            "alerts are sent from"
        )
    return str(address)
