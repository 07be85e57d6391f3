"""The configured-alert engine: a family whose whole behaviour is its YAML `alert:` block.

- `spec`: the models of the `alert:` block (rows, recipients, grouping, once per, attachments).
- `settings`: the family's declared settings, turned into a Pydantic model at load time.
- `templating`: the `{column}` templates of keys, references and file names.
- `values`: DataFrame rows as JSON-friendly values, by declared column kind.
- `staff`: who holds a role, a named employee, a manager (the CATALOGUE.md rule).
- `plan`: the pure transform (frames in, messages and skips out).
- `family`: the `FamilyDefinition` the DAG factory runs, built from a config.

Nothing here imports pandas or Airflow at module level except `plan` and `values`, which run
inside tasks only.
"""
