"""The demo DMS data, by domain: organisation, customers (and CRM), accounts (movements and sales
documents), workshop, parts (stock, transfers, customer orders), purchasing (suppliers, payment
orders), interfaces; `generator.DemoData` joins them over one random stream and `loading` writes
the rows. `alertas_dev.demo.dms_data` is the entry point (its docstring lists the fixed cases)."""
