# Two commands: `make demo` and `make test`. Both work on a fresh machine with python3 and git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check -q
DEMO_ENV := DJANGO_DEBUG=1

.PHONY: demo test install install-dev browser lint migrate seed serve bench clean vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	# XStatic-Bootstrap ships as an sdist that imports pkg_resources while building,
	# which setuptools 81 removed: build it with an older setuptools, no isolation.
	$(PIP) install "setuptools<81" wheel

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PIP) install --no-build-isolation -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Browser tests drive Debian's Chromium; install it when missing and we may (root).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Chromium for the browser tests..."; \
	    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: run 'sudo apt-get install -y chromium' (browser tests need it)."; exit 1; \
	  fi; \
	fi

demo: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo "Web server on http://127.0.0.1:8000/ and a worker (emails, upkeep); Ctrl-C stops both."
	$(DEMO_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

test: install-dev browser
	$(BIN)/pytest -q

# ruff; the layers contract clinic <- treatments <- bookings; mypy with django-stubs on the
# services, selectors and rules (the files are listed in pyproject.toml).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(DEMO_ENV) $(BIN)/mypy

bench: install
	$(BIN)/python bench/web.py
	$(DEMO_ENV) $(BIN)/python bench/slots.py
	$(DEMO_ENV) $(BIN)/python bench/staff_calendar.py

# Front-end libraries are vendored (committed) from the npm registry at pinned versions, so
# `make demo` and `make test` need no Node.js. `make vendor` refreshes them (needs npm).
EVENT_CALENDAR_VERSION := 5.10.1
EC_DIR := bookings/static/vendor/event-calendar

vendor:
	@command -v npm >/dev/null || { echo "make vendor needs npm (apt-get install npm)."; exit 1; }
	rm -rf var/vendor && mkdir -p var/vendor $(EC_DIR)
	cd var/vendor && npm pack --silent @event-calendar/build@$(EVENT_CALENDAR_VERSION) >/dev/null \
	  && tar xzf event-calendar-build-$(EVENT_CALENDAR_VERSION).tgz
	grep -q '"license": "MIT"' var/vendor/package/package.json
	# The source map is not shipped; drop its reference so static file hashing finds no
	# missing file.
	sed '/^\/\/# sourceMappingURL=/d' var/vendor/package/dist/event-calendar.min.js > $(EC_DIR)/event-calendar.min.js
	cp var/vendor/package/dist/event-calendar.min.css $(EC_DIR)/event-calendar.min.css
	echo "@event-calendar/build $(EVENT_CALENDAR_VERSION) (MIT), from the npm registry" > $(EC_DIR)/VERSION
	rm -rf var/vendor

clean:
	rm -rf $(VENV) var
