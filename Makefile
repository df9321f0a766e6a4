# The two commands a new user runs: `make demo` and `make test`.
# Both create .venv themselves (python3 -m venv + uv from PyPI) and install the locked versions:
# the product (src/lianban) and, as uv workspace members, the sandbox (sandbox/, `lianban demo`)
# and the bench (bench/, `lianban bench`), which a production install leaves out.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
CODE := src tests sandbox/src bench/src

.PHONY: demo test test-fast install lint typecheck architecture bench clean vendor screenshots

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: $(BIN)/uv pyproject.toml sandbox/pyproject.toml bench/pyproject.toml uv.lock
	$(BIN)/uv sync --frozen --quiet
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/lianban demo --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

typecheck: install
	$(BIN)/mypy

architecture: install
	$(BIN)/lint-imports --no-logo

test: install
	$(BIN)/ruff check $(CODE)
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	$(BIN)/lianban themes check
	$(BIN)/pytest -q $(PYTEST_ARGS)

# the quick loop while working: the same checks, without the slow, browser and bench tests
test-fast: install
	$(BIN)/ruff check $(CODE)
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	$(BIN)/pytest -q -m "not slow and not browser and not bench" $(PYTEST_ARGS)

bench: install
	$(BIN)/lianban bench

# the pages' static assets (htmx, axe-core, ECharts) from the npm registry, with their licences
vendor: install
	$(BIN)/python scripts/vendor.py

# the browser tests, writing the pages' screenshots to docs/screenshots/ (commit them)
screenshots: install
	LIANBAN_SCREENSHOTS=1 $(BIN)/pytest -q -m browser tests/pages

clean:
	rm -rf $(VENV) var/*.sqlite3 .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
