# Every target creates .venv itself when it is missing, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: demo test lint typecheck unit bench clean ui deploy report-screenshot map-screenshot chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rantai demo --out out/demo

# The README's picture of the Monev report (docs/img/report.png): the demo run month by month,
# then `rantai report` and headless Chromium (apt-get install -y chromium).
report-screenshot: $(STAMP)
	$(BIN)/python tools/report_screenshot.py --out out/report-demo --png docs/img/report.png

# The README's picture of the national map (docs/img/map-national.png): a small national story
# (every desa, 100,000 workers), one run, `rantai report` and headless Chromium.
map-screenshot: $(STAMP)
	$(BIN)/python tools/map_screenshot.py --out out/map-national --png docs/img/map-national.png

# The operators' desk: a Prefect server (UI included; SQLite unless
# PREFECT_API_DATABASE_CONNECTION_URL is set) and a worker for the pool, until Ctrl-C.
ui: $(STAMP)
	$(BIN)/python -m deployments.ui

# The work pool (when missing), the deployments of deployments/prefect.yaml and the
# Stalled-run Automation, registered with the server at PREFECT_API_URL.
deploy: $(STAMP)
	$(BIN)/python -m deployments.deploy

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy rantai samples connectors adapters tasks flows

unit: $(STAMP)
	$(BIN)/pytest -q tests/rantai tests/samples

# National scale: every desa, 3 million workers (generated once into .bench/); ends with a
# BENCH line. BENCH_DB=postgres uses PostgreSQL at 127.0.0.1:5432.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --db $(or $(BENCH_DB),sqlite)

test: lint typecheck $(STAMP) chromium
	$(BIN)/pytest -q -rs $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium (Playwright never downloads a browser), and read
# the printed report with pdftotext (poppler-utils): installed here when missing and make runs
# as root; otherwise one line says how (the browser tests then skip, or fail when CI is set).
CHROMIUM_INSTALL := apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils
chromium:
	@if { [ -z "$$RANTAI_CHROMIUM" ] && ! command -v chromium >/dev/null 2>&1; } || ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make: installing Chromium for the browser tests: $(CHROMIUM_INSTALL)"; \
	    $(CHROMIUM_INSTALL) || echo "make: Chromium could not be installed; the browser tests need it"; \
	  else \
	    echo "make: the browser tests need Chromium: sudo apt-get install -y chromium poppler-utils"; \
	  fi; \
	fi

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
