"""Development tools of Alertas Rápidas: the demo (data, local PostgreSQL, SMTP sink) and the benchmark.

Not part of the runtime package: production images and `pip install .` ship only `alertas_rapidas`.
"""
