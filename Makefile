# Two commands on a fresh machine: `make demo` and `make test`. Each builds .venv by itself.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean install messages sysdeps screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v < (3, 13) else "compliance needs Python 3.11 or 3.12 (durable-rules does not import on 3.13); found %d.%d" % v)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,lint]'
	@touch $(STAMP)

install: $(STAMP)

# The sample holds (exit 1): that is the demo's answer, not a failed install; 2 or 70 would be.
demo: $(STAMP)
	@$(BIN)/compliance check shipments/vn-used-vmc-hold.yaml; code=$$?; \
	echo "(exit code $$code: 0 clear, 1 hold, 3 review; this sample holds: see README)"; \
	[ $$code -le 3 ] && [ $$code -ne 2 ]

test: $(STAMP) sysdeps
	$(BIN)/python -m pytest

# System libraries the product and its tests need, installed where missing (Debian/Ubuntu, as root or
# with sudo): Pango and a font with Vietnamese glyphs for PDF (WeasyPrint), Chromium for the test that
# renders the HTML checklist, poppler's pdftotext for reading PDFs by hand, and PostgreSQL for the API
# tests, which run against a server the test fixture starts (initdb + pg_ctl in a temporary folder).
SYSTEM_PACKAGES_NEEDED = $(strip \
	$(if $(shell ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' && echo y),,libpango-1.0-0 libpangoft2-1.0-0) \
	$(if $(shell fc-list 2>/dev/null | grep -qi 'DejaVu Sans' && echo y),,fonts-dejavu-core fontconfig) \
	$(if $(shell command -v chromium),,chromium) \
	$(if $(wildcard /usr/lib/postgresql/*/bin/initdb),,postgresql))
sysdeps:
ifneq ($(SYSTEM_PACKAGES_NEEDED),)
	@echo "installing system packages: $(SYSTEM_PACKAGES_NEEDED)"
	@if command -v apt-get >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM_PACKAGES_NEEDED) >/dev/null; \
	else \
		echo "no apt-get here: install $(SYSTEM_PACKAGES_NEEDED) with your package manager" >&2; exit 1; \
	fi
endif

# The product's words: extract them from the code and templates, merge into each language's catalog.
# Then translate the new entries in compliance/locale/<lang>/LC_MESSAGES/messages.po (tests insist).
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --project=compliance \
		--msgid-bugs-address=compliance@example.invalid -o compliance/locale/messages.pot .
	$(BIN)/pybabel -q update -w 100 --ignore-obsolete -i compliance/locale/messages.pot -d compliance/locale

# The README's checklist pictures, from the sample shipment, in headless Chromium.
screenshots: $(STAMP)
	$(BIN)/python tests/screenshots.py docs
	PAGES_SCREENSHOTS=docs $(BIN)/python -m pytest -q tests/test_pages.py

lint: $(STAMP)
	$(BIN)/ruff check compliance tests
	$(BIN)/ruff format --check compliance tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) build *.egg-info
