# Ampyre: `make run` starts the CSMS, `make test` runs every check. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint typecheck generate bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ampyre migrate
	$(BIN)/ampyre serve

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(BIN)/pytest -m slow $(PYTEST_ARGS)

generate: $(STAMP)
	$(BIN)/python scripts/generate_messages.py

bench: $(STAMP)
	$(BIN)/ampyre bench --stations 100 --duration 10

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

# The long benchmark (~6 min, not part of `make test`): bench vs. echo ceiling vs. ampyre serve.
.PHONY: bench-long
bench-long: $(STAMP)
	$(BIN)/python benchmarks/run.py --out benchmarks/results

# Peer servers for the comparison (Node ocpp-rpc; the Python `ocpp` peer uses the dev extra).
# Never part of `make test`.
.PHONY: bench-peers bench-compare
bench-peers: benchmarks/peers/node/node_modules/.installed

benchmarks/peers/node/node_modules/.installed: benchmarks/peers/node/package-lock.json
	cd benchmarks/peers/node && npm ci --no-audit --no-fund
	touch $@

# Ampyre vs. raw echo (websockets, picows) vs. the Python `ocpp` package vs. Node ocpp-rpc,
# server pinned to core 0, `ampyre bench` on core 1 (~10 min; every run has a time limit).
bench-compare: $(STAMP) bench-peers
	timeout 1800 $(BIN)/python benchmarks/compare.py --out benchmarks/results
