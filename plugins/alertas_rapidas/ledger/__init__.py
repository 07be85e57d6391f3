"""The package's own tables in `alerts_postgres` (`alerts.*`): every query on them, and their migrations."""
