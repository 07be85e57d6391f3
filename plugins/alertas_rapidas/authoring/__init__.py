"""The tools of the person writing an alert: `validate` (every family file, its SQL and templates,
optionally against a DMS) and `preview` (what one family would send for a date, written to files,
nothing sent). Run them as `python -m alertas_rapidas.authoring validate|preview ...`.
"""
