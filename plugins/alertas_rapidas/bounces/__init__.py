"""Bounces: the bounce mailbox, what its reports say, and the DAG that reads it."""
