# Greenery data pipeline. Quick start: `make run`, then `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.stamp
# The scripts and styles Data Docs pages load, fetched from the npm registry (checksums
# pinned in flows/contracts/site_assets.py) so the site draws offline.
SITE_ASSETS := gx/uncommitted/site_assets/.fetched
export PREFECT_HOME ?= $(CURDIR)/.prefect

.PHONY: setup run stop test lint bench docs-dbt clean

setup: $(STAMP) $(SITE_ASSETS)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

$(SITE_ASSETS): flows/contracts/site_assets.py $(STAMP)
	$(PY) -m flows.contracts.site_assets
	touch $(SITE_ASSETS)

# The first run starts a local Prefect server in PREFECT_HOME; later runs reuse it.
run: setup
	$(PY) -m flows.daily $(ARGS)

stop: setup
	$(PY) -m deployments.local_server stop

# Two workers (pytest-xdist), each module whole on one; PYTEST_ARGS="-n 0" runs serially.
test: setup
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The pipeline's cost at several scales against its baselines, written to BENCHMARKS.md
# (about half an hour at the default scales). Scratch data and Prefect server in .bench/.
BENCH_SCALES ?= 1,10,100
bench: setup
	mkdir -p .bench/prefect
	PREFECT_HOME=$(CURDIR)/.bench/prefect $(PY) -m bench --scales $(BENCH_SCALES)

clean: stop
	rm -rf warehouse dbt_project/target dbt_project/logs .prefect .bench

docs-dbt: setup
	cd dbt_project && GREENERY_DUCKDB_PATH=$${GREENERY_DUCKDB_PATH:-$(CURDIR)/warehouse/greenery.duckdb} \
		../$(VENV)/bin/dbt docs generate --profiles-dir . && \
		../$(VENV)/bin/dbt docs serve --profiles-dir . --host 127.0.0.1 --port 8080 --no-browser

# Notification blocks and automations on the current Prefect API (PREFECT_API_URL);
# needs GREENERY_SLACK_WEBHOOK_URL and/or GREENERY_NOTIFY_WEBHOOK_URL.
.PHONY: automations serve
automations: setup
	$(PY) -m deployments.setup

# Local Prefect server + UI on 127.0.0.1:4200, work pool, deployment, automations and
# a worker, until Ctrl-C.
serve: setup
	$(PY) -m deployments.serve

# The Data Docs site the last run rebuilt, on http://127.0.0.1:8001.
DATA_DOCS := gx/uncommitted/data_docs/local_site
.PHONY: docs
docs: setup
	test -f $(DATA_DOCS)/index.html || (echo "No Data Docs yet: run 'make run' first." && false)
	@echo "Data Docs: http://127.0.0.1:8001/index.html (Ctrl-C to stop)"
	$(PY) -m http.server 8001 --bind 127.0.0.1 --directory $(DATA_DOCS)
