# Two commands: `make demo` and `make test`. Both work on a fresh machine with python3 and git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check -q
DEMO_ENV := DJANGO_DEBUG=1

.PHONY: demo test scaleout install install-dev browser lint migrate seed serve bench clean

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

lint: install-dev
	$(BIN)/ruff check .

bench: install
	$(DEMO_ENV) $(BIN)/python bench/slots.py

clean:
	rm -rf $(VENV) var
