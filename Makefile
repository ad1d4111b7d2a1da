# Relasi — two commands do everything: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo .uv/bin/uv)
export RELASI_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install lint types imports migrations-check pytest pytest-sqlite pytest-postgres \
        browser-deps pdf-deps mail-deps bench messages clean

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check "uv>=0.4"

$(BIN)/relasi: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(BIN)/relasi pdf-deps mail-deps

## Pango, HarfBuzz's subsetter (fast font subsetting: ~50 ms instead of ~400 ms per PDF) and fonts for WeasyPrint (the PDFs of invoices, quotations and kwitansi).
pdf-deps:
	@if ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' && ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0' && fc-list 2>/dev/null | grep -qi dejavu; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing Pango and DejaVu fonts for PDF rendering…"; \
	  (apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null 2>&1 \
	    || (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null)) \
	    || echo "!! Pango could not be installed: PDFs cannot be rendered !!"; \
	else \
	  echo "!! Pango (libpango-1.0-0, libpangoft2-1.0-0) is missing and this is not root: PDFs cannot be rendered !!"; \
	fi

## Dovecot's IMAP server: the e-mail channel's tests poll a real mailbox (started by the tests
## on a free port with a throw-away configuration; the system service is not used).
mail-deps:
	@if [ -x /usr/sbin/dovecot ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing Dovecot (IMAP) for the e-mail tests…"; \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null 2>&1 \
	    || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null)) \
	    || echo "!! dovecot-imapd could not be installed: the IMAP tests will be SKIPPED !!"; \
	else \
	  echo "!! /usr/sbin/dovecot is missing and this is not root: the IMAP tests will be SKIPPED (apt-get install dovecot-imapd) !!"; \
	fi

## make run — the embedded all-in-one server with the demo workspace, at http://127.0.0.1:8000
run: install
	$(BIN)/relasi run

## make test — lint, format, types, import rules, migrations, then pytest on SQLite and,
## when DATABASE_URL points at PostgreSQL, again on PostgreSQL.
test: install lint types imports migrations-check browser-deps pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types:
	$(BIN)/mypy

imports:
	$(BIN)/lint-imports

migrations-check:
	RELASI_DATA_DIR=$(CURDIR)/var/check DATABASE_URL= $(BIN)/relasi makemigrations --check --dry-run

pytest: pytest-sqlite pytest-postgres

pytest-sqlite:
	@echo "== pytest on SQLite =="
	RELASI_DATA_DIR=$(CURDIR)/var/test DATABASE_URL= RELASI_REQUIRE_POSTGRES= $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

pytest-postgres:
	@if [[ "$$DATABASE_URL" == postgres* ]]; then \
	  echo "== pytest on PostgreSQL ($$DATABASE_URL) =="; \
	  RELASI_DATA_DIR=$(CURDIR)/var/test-pg RELASI_REQUIRE_POSTGRES=1 $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS); \
	else \
	  echo "== DATABASE_URL is not PostgreSQL: the PostgreSQL run is skipped =="; \
	  if [[ -n "$$RELASI_REQUIRE_POSTGRES" ]]; then echo "RELASI_REQUIRE_POSTGRES is set: failing."; exit 1; fi; \
	fi

## Debian's Chromium for the browser tests (Playwright drives it; its own download is not used).
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)) \
	    || echo "!! chromium could not be installed: browser tests will be SKIPPED !!"; \
	else \
	  echo "!! /usr/bin/chromium is missing and this is not root: browser tests will be SKIPPED (apt-get install chromium) !!"; \
	fi

## make bench — the CI-sized benchmarks; BENCH_FULL=1 for the full sizes (DESIGN §7–8).
bench: install
	$(BIN)/python bench/contact_search.py
	$(BIN)/python bench/invoice_pdf.py
	$(BIN)/python bench/invoice_issue.py
	$(BIN)/python bench/webhook_ingest.py
	$(BIN)/python bench/inbox_list.py
	$(BIN)/python bench/bgnbd.py
	$(BIN)/python bench/rfm_clv.py

## Regenerate the translation catalogues after changing user-facing text.
messages: install
	cd src/relasi && ../../$(BIN)/relasi makemessages -l id -l en --no-obsolete --add-location file && ../../$(BIN)/relasi compilemessages

clean:
	rm -rf $(VENV) .uv .mypy_cache .ruff_cache .pytest_cache
