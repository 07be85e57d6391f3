# Alertas Rápidas — the two set-up commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATE ?= 2026-11-01
PYTEST_ARGS ?=

.PHONY: install demo ui ops bench test lint format clean validate preview reference screenshots

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml Makefile
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@# the demo and the benchmark (tools/alertas_dev) are dev tools: importable in this venv through a
	@# .pth file, never part of the installed package (`pip install .` ships alertas_rapidas only)
	$(PY) -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_path("purelib"), "alertas_dev_tools.pth").write_text(str(pathlib.Path("tools").resolve()) + "\n")'
	touch $@

install: $(VENV)/.installed

demo: install  ## install, start PostgreSQL + SMTP sink, load demo data, run every alert DAG for DATE (DEMO_ARGS=--fresh starts over)
	$(PY) -m alertas_dev.demo --date $(DATE) $(DEMO_ARGS)

ui: install  ## Airflow UI on the demo's data: embedded PostgreSQL, SMTP sink, airflow standalone; Ctrl-C stops all
	$(PY) -m alertas_dev.ui_stack $(UI_ARGS)

ops: install  ## the ops CLI on the demo's ledger after `make demo`, e.g. make ops ARGS="runs --json"
	$(PY) -m alertas_dev.demo.ops $(ARGS)

bench: install  ## statements at scale (10,000 customers) into a local SMTP sink; writes docs/benchmarks.md
	$(PY) -m alertas_dev.bench $(BENCH_ARGS)
	@# memory at 10,000 vs 100,000 customers and the CeleryExecutor with 1 and 2 workers (about 30 min)
	$(PY) -m alertas_dev.bench.scale $(SCALE_ARGS)
	@# sending limits: the deliver step with and without a limit, and before limits existed (about 2 min)
	$(PY) -m alertas_dev.bench.limits $(LIMITS_ARGS)

test: install  ## lint, validate every family, then every test (real PostgreSQL, real SMTP server, real DAG runs)
	$(VENV)/bin/ruff check .
	$(PY) -m alertas_rapidas.authoring validate
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

validate: install  ## check every family file, its SQL and its templates (one line per problem)
	$(PY) -m alertas_rapidas.authoring validate

screenshots: install  ## PNGs of one mail body and one PDF page per family (demo data) into docs/screenshots/
	$(PY) -m alertas_dev.gallery --out docs/screenshots

preview: install  ## render what FAMILY would send for DATE into .preview/FAMILY/DATE/ (nothing is sent)
	$(PY) -m alertas_rapidas.authoring preview $(FAMILY) --date $(DATE)

reference: install  ## regenerate README.md's alert field reference (from the models) and family table (from the family files)
	$(PY) -m alertas_rapidas.authoring reference --write
	$(PY) -m alertas_rapidas.authoring families --write

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf .demo .ui .bench .bench-html .bench-scale .bench-limits .pytest_cache
