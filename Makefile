# wagewatch — two commands do all setup on a fresh machine with only Python 3.11 and pip:
#   make demo   install, generate the demo world, run the nightly flow, print where the outputs are
#   make test   install, lint, type-check (mypy), run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DEMO_WORLD := data/generated/demo
DEMO_OUT := data/out
DEMO_WAREHOUSE := data/warehouse/demo.duckdb
SEED ?= 7
# make demo runs two nights: the first's 核查清单 is returned by simulated inspectors (play-inspectors) before the last
DEMO_FIRST_NIGHT := 2025-11-30
DEMO_LAST_NIGHT := 2025-12-31
# Offline and quiet: no telemetry from Prefect or GX (shared/spec/ecosystem-notes.md).
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := False
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90

.PHONY: demo test test-spark install system-deps lint typecheck bench-city bench-province clean-demo

demo: install system-deps
	$(BIN)/wagewatch generate --tier demo --seed $(SEED) --out $(DEMO_WORLD)
	$(BIN)/wagewatch run --inbox $(DEMO_WORLD)/inbox --out $(DEMO_OUT) --warehouse $(DEMO_WAREHOUSE) --as-of $(DEMO_FIRST_NIGHT)
	$(BIN)/wagewatch play-inspectors --warehouse $(DEMO_WAREHOUSE) --truth $(DEMO_WORLD)/truth --inbox $(DEMO_WORLD)/inbox --deliver-on $(DEMO_LAST_NIGHT)
	$(BIN)/wagewatch run --inbox $(DEMO_WORLD)/inbox --out $(DEMO_OUT) --warehouse $(DEMO_WAREHOUSE)

test: install system-deps
	$(BIN)/ruff check pipelines models tests benchmarks notebooks
	$(BIN)/ruff format --check pipelines models tests benchmarks notebooks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto --maxprocesses=4  # one worker per CPU (docs/decisions.md "The test suite in parallel")

install: $(VENV)/.installed

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install -q uv==0.13.8

# --compile-bytecode: the venv ships its .pyc files. Without them every process compiles what it imports (prefect,
# plotly, GX …) each time when PYTHONDONTWRITEBYTECODE is set (containers, CI, shared machines): ~8 CPU-s per
# `wagewatch run` process and as much again in Prefect's ephemeral server (docs/decisions.md "The tail of a night").
$(VENV)/.installed: $(UV) pyproject.toml uv.lock Makefile
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

# Debian packages: headless Chromium (dashboard tests, PNG export), CJK fonts (Chinese in screenshots) and libarchive
# (.rar and .7z deliveries, through the libarchive-c binding: ingest/archives.py).
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
	  || ! $(PYTHON) -c "import ctypes.util, sys; sys.exit(not ctypes.util.find_library('archive'))"; then \
	  if command -v apt-get >/dev/null; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk libarchive13 >/dev/null; \
	  else echo "install Chromium, Noto CJK fonts and libarchive with your package manager"; fi; \
	fi

# Spark tests (`-m spark` under tests/pipelines: the golden DuckDB-vs-Spark tests and `wagewatch spark-run` end to
# end): Java 17 and the `spark` dependency group. Run after `make test`: its plain `uv sync` leaves PySpark out, and
# the Spark tests skip there.
test-spark: install
	@if [ ! -x /usr/bin/java ]; then \
	  if command -v apt-get >/dev/null; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else echo "install a Java 17 runtime (openjdk-17-jre-headless) with your package manager"; exit 1; fi; \
	fi
	$(UV) sync --frozen --compile-bytecode --group spark
	$(BIN)/python -c "import pyspark"  # fail here rather than let the golden tests skip
	$(BIN)/python -m pytest -q -p no:cacheprovider -m spark tests/pipelines

lint: install
	$(BIN)/ruff check pipelines models tests benchmarks notebooks
	$(BIN)/ruff format --check pipelines models tests benchmarks notebooks

typecheck: install
	$(BIN)/mypy

# Benchmarks (not tests): numbers go to benchmarks/RESULTS.md. Worlds and warehouses stay in benchmarks/.work/.
# The nights run as a deployment runs them (a started Prefect server, README "Running on a server"); the province
# tier with DuckDB's memory limit at 5 GB (issue 18's peak ≤ 8 GB: the default 12 GB let a province night reach
# 12.3 GB; measured 2026-12-03, benchmarks/RESULTS.md "Third round"). pandas ÷ SQL on 3 districts: pandas holds a
# whole city in ~18 GB.
bench-city: install
	$(BIN)/python -m benchmarks.targets --tier city --clear
	$(BIN)/python -m benchmarks.ingest --tier city
	$(BIN)/python -m benchmarks.nightly --tier city --incremental --prefect-server
	$(BIN)/python -m benchmarks.indicators --warehouse benchmarks/.work/city-night/wh.duckdb --skip-pandas --record city
	$(BIN)/python -m benchmarks.indicators --warehouse benchmarks/.work/city-night/wh.duckdb --districts 3 --record city
	$(BIN)/python -m benchmarks.quality --warehouse benchmarks/.work/city-night/wh.duckdb
	$(BIN)/python -m benchmarks.targets --tier city

bench-province: install
	$(BIN)/python -m benchmarks.targets --tier province --clear
	WAGEWATCH_DUCKDB_MEMORY_LIMIT=5GB $(BIN)/python -m benchmarks.nightly --tier province --incremental --prefect-server
	$(BIN)/python -m benchmarks.indicators --warehouse benchmarks/.work/province-night/wh.duckdb --skip-pandas --record province
	$(BIN)/python -m benchmarks.indicators --warehouse benchmarks/.work/province-night/wh.duckdb --districts 3 --record province
	$(BIN)/python -m benchmarks.targets --tier province

clean-demo:
	rm -rf $(DEMO_WORLD) $(DEMO_OUT) $(DEMO_WAREHOUSE) $(DEMO_WAREHOUSE).wal
