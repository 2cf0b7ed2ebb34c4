# `make run` serves the demo park; `make test` runs the whole suite. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app exchange
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run test db translations messages lint screenshots benchmark clean

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

db: setup
	$(FLASK) db-upgrade

# The web server and one match-run worker beside it; Ctrl-C stops both.
run: db
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT) (a match-run worker runs beside it)"
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check exchange matching tests benchmarks

# Re-extract the messages after changing templates or code, then translate the .po file.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o exchange/translations/messages.pot .
	$(BIN)/pybabel update -i exchange/translations/messages.pot -d exchange/translations

screenshots: db
	$(BIN)/python scripts/screenshots.py

benchmark: setup
	$(BIN)/python benchmarks/matcher.py

clean:
	rm -rf $(VENV) .pytest_cache
