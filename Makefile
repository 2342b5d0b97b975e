# YouthLab — two commands: `make up` (start the hub) and `make test` (run the tests).
# Both set everything up first; setup steps are skipped when already done.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)

# Debian packages the hub, the labs and the tests use (installed only when missing).
SYSTEM_PACKAGES := socat iptables fonts-nanum fonts-noto-cjk fonts-noto-color-emoji fontconfig chromium prusa-slicer openscad
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup up test test-fast bench doctor system-deps python-deps node-deps clean

setup: system-deps python-deps node-deps

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

python-deps: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	$(PY) -m youthlab.hub.lab_settings  # JupyterLab: no news/update checks, Korean default
	touch $@

node-deps: node_modules/.installed

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

up: setup
	$(VENV)/bin/youthlab up

doctor: python-deps
	$(VENV)/bin/youthlab doctor

test: setup
	$(VENV)/bin/pytest

test-fast: setup
	$(VENV)/bin/pytest -m "not slow"

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) node_modules var .pytest_cache
