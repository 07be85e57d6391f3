# Alertas Rápidas — the two set-up commands are `make demo` and `make test` (see README.md and
# docs/getting-started.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATE ?= 2026-11-01
PYTEST_ARGS ?=
SITE ?= .site

.PHONY: install demo demo-stop dms ui ui-build ops bench test lint format clean validate preview reference \
	screenshots docs

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

demo: install  ## install, start PostgreSQL + SMTP sink, load demo data, run every alert DAG for DATE (DEMO_ARGS=--fresh starts over); leaves the demo DMS running
	$(PY) -m alertas_dev.demo --date $(DATE) $(DEMO_ARGS)

dms: install  ## psql on the demo's DMS after `make demo` (make dms < rows.sql runs a file; ARGS go to psql)
	@$(PY) -m alertas_dev.demo.database psql $(ARGS)

demo-stop:  ## stop the demo's PostgreSQL (make dms, preview, ops and demo start it again)
	@if [ -x $(PY) ]; then $(PY) -m alertas_dev.demo.database stop; fi

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

test: install  ## lint, type-check, validate every family, build the docs site (--strict), then every test (real PostgreSQL, real SMTP server, real DAG runs)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m alertas_rapidas.authoring validate
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir $(SITE)
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

validate: install  ## check every family file, its SQL and its templates (one line per problem); ARGS=--dms: also on the demo's DMS
	@$(PY) -m alertas_dev.demo.database authoring validate $(ARGS)

docs: install  ## build the documentation site into $(SITE)/ (open $(SITE)/index.html)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir $(SITE)

screenshots: install  ## PNGs of one mail body and one PDF page per family, and of the Alertas page in the UI (docs/screenshots/)
	$(PY) -m alertas_dev.gallery --out docs/screenshots
	$(PY) -m alertas_dev.ui_screens --out docs/screenshots/ui

ui-build:  ## rebuild the Alertas page's bundle (plugins/alertas_rapidas/ui/react: Node 20.19+, npm); commit ui/static/
	cd plugins/alertas_rapidas/ui/react && npm ci --no-audit --no-fund && npm run build

preview: install  ## render what FAMILY would send for DATE (AT=08:00: the run's local time) into .preview/FAMILY/DATE/; reads the demo's DMS after `make demo`; nothing is sent
	@$(PY) -m alertas_dev.demo.database authoring preview $(FAMILY) --date $(DATE) $(if $(AT),--at $(AT)) $(ARGS)

reference: install  ## regenerate the docs' alert field reference (from the models) and family table (from the family files)
	$(PY) -m alertas_rapidas.authoring reference --write
	$(PY) -m alertas_rapidas.authoring families --write

lint: install  ## ruff check, ruff format --check, mypy (the package and the DAG files: [tool.mypy] in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: demo-stop
	rm -rf .demo .ui .bench .bench-html .bench-scale .bench-limits .pytest_cache .mypy_cache .preview $(SITE)
