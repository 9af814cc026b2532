# Doorstep — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
HOST ?= 127.0.0.1
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --locked --no-sync

.PHONY: demo test install install-dev lint i18n-check format pytest messages clean

.tools/bin/uv:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target .tools uv

install: $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --locked --no-dev

install-dev: $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --locked

## make demo: a whole marketplace on SQLite with seeded data, web server and worker.
demo: install
	@export DEBUG=true; \
	$(RUN) doorstep migrate --no-input -v 0 && \
	$(RUN) doorstep demo && \
	{ $(RUN) doorstep worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(RUN) doorstep serve --host $(HOST) --port $(PORT); }

## make test: lint, translation coverage, then the whole suite (browser tests need
## /usr/bin/chromium; the translation check needs GNU gettext).
test: install-dev lint i18n-check pytest

lint:
	$(RUN) ruff check .
	$(RUN) ruff format --check .

i18n-check:
	@if command -v xgettext >/dev/null; then \
	  DEBUG=true $(RUN) doorstep check_translations; \
	else \
	  echo "!! WARNING: GNU gettext is missing: translation coverage NOT checked" \
	       "(sudo apt-get install -y gettext)"; \
	fi

format:
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

## make pytest: the suite in PYTEST_WORKERS processes (pytest-xdist; `auto` is one per
## CPU), each with its own test database; PYTEST_WORKERS=0 runs it in one process.
## Tests are handed out one at a time in collection order (loadgroup, and no reorder
## for xdist_group groups), so browser tests still come last in every worker (see
## conftest.py).
PYTEST_WORKERS ?= auto
pytest:
	$(RUN) pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

## make messages: refresh the translation catalogues after changing UI strings.
messages:
	cd src/doorstep && DEBUG=true ../../$(RUN) doorstep makemessages -l zh_Hans -l zh_Hant --no-obsolete --no-location
	cd src/doorstep && DEBUG=true ../../$(RUN) doorstep compilemessages

clean:
	rm -rf .venv .tools var test-artifacts
