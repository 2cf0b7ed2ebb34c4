# `make run` serves the demo park; `make test` runs the whole suite. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app exchange
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup browser run test db translations messages lint screenshots benchmark clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

translations: $(STAMP)
	$(BIN)/pybabel -q compile --use-fuzzy -d exchange/translations

setup: $(STAMP) translations

# Debian's Chromium (and Korean fonts) for the browser tests and screenshots, and poppler's
# pdftoppm for the PDF rendering test: apt runs only when one is missing, and only as root or
# with password-less sudo. Without them those tests are skipped, or fail when CI is set.
CHROMIUM := /usr/bin/chromium
PDFTOPPM := /usr/bin/pdftoppm
browser: $(CHROMIUM) $(PDFTOPPM)
$(CHROMIUM) $(PDFTOPPM):
	@if [ "$$(id -u)" = 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else sudo=none; fi; \
	if [ "$$sudo" = none ] || ! command -v apt-get >/dev/null; then \
	  echo "note: no $@, and no apt-get as root: the browser tests (tests/e2e) are skipped"; \
	else \
	  $$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
	    --no-install-recommends chromium chromium-driver fonts-noto-cjk poppler-utils \
	  || echo "note: installing chromium failed: the browser tests are skipped (fail in CI)"; \
	fi

db: setup
	$(FLASK) db-upgrade

# The web server and one match-run worker beside it; Ctrl-C stops both.
run: db
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT) (a match-run worker runs beside it)"
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup browser
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check exchange matching tests benchmarks

# Re-extract the messages after changing templates or code, then translate the .po file.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o exchange/translations/messages.pot .
	$(BIN)/pybabel update -i exchange/translations/messages.pot -d exchange/translations

screenshots: db browser
	$(BIN)/python scripts/screenshots.py

benchmark: setup
	$(BIN)/python -m benchmarks.matcher

clean:
	rm -rf $(VENV) .pytest_cache
