"""Escape-hatch transforms of configured families: the `alert.transform: "module:function"` targets
(docs/writing-alerts.md, "Escape hatch: Python"). A family written in Python keeps its transform in
its own package, `alertas_rapidas.families.<key>.transform`."""
