# wagewatch — two commands do all setup on a fresh machine with only Python 3.11 and pip:
#   make demo   install, generate the demo world, run the nightly flow, print where the outputs are
#   make test   install, run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DEMO_WORLD := data/generated/demo
DEMO_OUT := data/out
DEMO_WAREHOUSE := data/warehouse/demo.duckdb
SEED ?= 7
# Offline and quiet: no telemetry from Prefect or GX (shared/spec/ecosystem-notes.md).
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := False
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90

.PHONY: demo test install system-deps lint typecheck bench-city bench-province clean-demo

demo: install system-deps
	$(BIN)/wagewatch generate --tier demo --seed $(SEED) --out $(DEMO_WORLD)
	$(BIN)/wagewatch run --inbox $(DEMO_WORLD)/inbox --out $(DEMO_OUT) --warehouse $(DEMO_WAREHOUSE)

test: install system-deps
	$(BIN)/ruff check pipelines models tests benchmarks notebooks
	$(BIN)/ruff format --check pipelines models tests benchmarks notebooks
	$(BIN)/python -m pytest -q -p no:cacheprovider

install: $(VENV)/.installed

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install -q uv==0.13.8

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

# Debian packages: headless Chromium (dashboard tests, PNG export) and CJK fonts (Chinese in screenshots).
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if command -v apt-get >/dev/null; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "install Chromium and Noto CJK fonts with your package manager"; fi; \
	fi

lint: install
	$(BIN)/ruff check pipelines models tests benchmarks notebooks
	$(BIN)/ruff format --check pipelines models tests benchmarks notebooks

typecheck: install
	$(BIN)/mypy

clean-demo:
	rm -rf $(DEMO_WORLD) $(DEMO_OUT) $(DEMO_WAREHOUSE) $(DEMO_WAREHOUSE).wal
