# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ktaishop init-db
	$(BIN)/ktaishop seed-demo
	KTAISHOP_SEND_MAIL_IN_PROCESS=1 $(BIN)/ktaishop run --host 127.0.0.1 --port 5000

# Chromium for the browser tests, and a Japanese font: tap-target and layout tests
# measure Japanese text, which without one is drawn as narrow boxes. Debian's
# packages where apt exists.
browser:
	@if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else $(BIN)/playwright install chromium; fi
	@if [ -n "$$(fc-list :lang=ja 2>/dev/null)" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-ipafont-gothic \
		|| ((apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-ipafont-gothic); \
	else echo "browser tests need a Japanese font (fc-list :lang=ja finds none)" >&2; exit 1; fi

# tools/test-suite: with PostgreSQL configured, its half runs beside SQLite's.
test: $(STAMP) browser
	PYTEST=$(BIN)/pytest tools/test-suite $(PYTEST_ARGS)

# ruff, then the house's arrows (import-linter contracts in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
