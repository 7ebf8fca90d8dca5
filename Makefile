# Two commands do all the set-up: `make demo` and `make test`. Both are idempotent: the virtual
# environment is created once and the install is redone only when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
DB     ?= build/demo.duckdb
SITE   ?= site

.PHONY: docs-numbers demo test lint typecheck browser-deps java-deps bench bench-kcna bench-dashboard bench-startup bench-scale bench-watch validate validate-write clean audit

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# setup.py builds the C line scan (src/dyadwatch/ingest/_linescan.c): a change to it reinstalls.
SCAN_C := setup.py src/dyadwatch/ingest/_linescan.c

SCAN_NOTE := import dyadwatch.ingest.source as s; s.TextScan.COMPILED or print( \
  "note: the C line scan was not built (no C compiler or Python headers found): GDELT loads use numpy and take about 1.4 times as long")

# uv (installed into the venv) installs the same versions as pip in about half the time (a fresh
# .venv with the [dev] extra, caches warm: 36 s of CPU against 63 s); where uv cannot be installed or
# cannot reach the index, pip does the install.
INSTALL = { $(PY) -m pip install -q uv 2>/dev/null && $(VENV)/bin/uv pip install -q --python $(PY) $(1); } || \
  $(PY) -m pip install -q $(1)

$(VENV)/.installed: pyproject.toml $(SCAN_C) | $(PY)
	$(call INSTALL,-e .)
	@$(PY) -c '$(SCAN_NOTE)'
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(SCAN_C) | $(PY)
	$(call INSTALL,-e '.[dev]')
	@$(PY) -c '$(SCAN_NOTE)'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(VENV)/bin/dyadwatch demo --db $(DB) --out $(SITE)

# Headless Chromium (browser tests) and a Java runtime (local Spark) come from Debian packages;
# install them only when missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { echo "installing chromium and chromium-driver (Debian packages)"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

java-deps:
	@command -v java >/dev/null 2>&1 || \
	  { echo "installing a Java runtime for local Spark (Debian default-jre-headless)"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq default-jre-headless >/dev/null; }

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Two pytest-xdist workers (one a core). The session fixtures (the demo store, the report site) are
# built once per run and shared by the workers (tests/conftest.py); with --dist loadgroup the tests
# of a file that use a module-scoped fixture (Spark, a browser, a served site) stay on one worker,
# so that fixture is built once too, and every other test is sent alone.
TEST_WORKERS ?= 2

test: $(VENV)/.installed-dev browser-deps java-deps lint
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup

bench: $(VENV)/.installed-dev
	$(PY) benchmarks/ingest.py

# The KCNA coder on all 114,641 headlines of 1997-2014 (test data, GPL-3) against the coder before
# issue 27's speed work on the 2012 headlines; writes the kcna section of docs/benchmarks.md.
bench-kcna: $(VENV)/.installed-dev
	$(PY) benchmarks/kcna.py

# Requests/s and latency of the dashboard's /api/series and /api/events (1M generated events,
# 8 clients on loopback, 1 and 2 server workers); writes its section of docs/benchmarks.md.
bench-dashboard: $(VENV)/.installed-dev
	$(PY) benchmarks/dashboard.py
# `dyadwatch --help` and `dyadwatch series PRK CHN` on the demo store, each in a fresh process
# (median of 11); writes the Start-up section of docs/benchmarks.md.
bench-startup: $(VENV)/.installed
	$(PY) benchmarks/startup.py
# Ingest and series at 1, 4 and 16 M generated GDELT rows (generated once into build/scale, about
# 4 GB of text at 16 M; tens of minutes in all); Spark local when Java is there. Writes the scale
# section of docs/benchmarks.md and docs/benchmarks-scale.svg.
bench-scale: $(VENV)/.installed-dev java-deps
	$(PY) benchmarks/scale.py

# issue 30: a `dyadwatch watch --once` cycle over one day of GDELT 2.0 (96 files, loopback server,
# two cores) and an idle cycle; writes the watch section of docs/benchmarks.md.
bench-watch: $(VENV)/.installed-dev
	$(PY) benchmarks/watch.py

# False-alarm rates and power of every detector on generated data (several minutes). `make validate`
# writes build/validation/ and changes no tracked file; `make validate-write` regenerates
# docs/validation.md and docs/validation-rates.svg. The suite runs a quick version.
validate: $(VENV)/.installed
	$(PY) scripts/validate.py

validate-write: $(VENV)/.installed
	$(PY) scripts/validate.py --write

# The documented numbers that read the bundled lists (issue 26 item 5), each part rewritten from one
# run on a fresh store of the bundled data: the 2025 worked example and the backtest of
# docs/early-warning-and-strategies.md, the worked example of docs/methods.md §6, the KCNA check of
# docs/kcna-events.md and its KCNA series beside the chronology. Run it after changing the chronology;
# tests/test_generated_docs.py fails until then.
docs-numbers: $(VENV)/.installed-dev
	$(PY) scripts/shifts_doc.py
	$(PY) scripts/methods_example_doc.py
	$(PY) scripts/backtest_doc.py
	$(PY) scripts/kcna_check_doc.py
	$(PY) scripts/kcna_series_doc.py

clean:
	rm -rf build $(SITE) .pytest_cache .mypy_cache .ruff_cache

# A random sample of every bundled list (N chronology records, PER_LIST rows of each other list) as a
# checklist for a human check: build/audit/checklist-$(SEED).md (issue 26).
SEED     ?= 0
N        ?= 30
PER_LIST ?= 10
audit: $(VENV)/.installed
	$(PY) scripts/audit.py --seed $(SEED) --n $(N) --per-list $(PER_LIST)
