"""Delivery: the operator, the ledger-first loop, the SMTP session, message states and sending limits."""
