# Greenery data pipeline. Quick start: `make run`, then `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.stamp
export PREFECT_HOME ?= $(CURDIR)/.prefect

.PHONY: setup run test lint docs-dbt clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: setup
	$(PY) -m flows.daily $(ARGS)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs .prefect

docs-dbt: setup
	cd dbt_project && GREENERY_DUCKDB_PATH=$${GREENERY_DUCKDB_PATH:-$(CURDIR)/warehouse/greenery.duckdb} \
		../$(VENV)/bin/dbt docs generate --profiles-dir . && \
		../$(VENV)/bin/dbt docs serve --profiles-dir . --host 127.0.0.1 --port 8080 --no-browser
