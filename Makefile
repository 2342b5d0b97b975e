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

# Offline install (docs/operators.md): YOUTHLAB_BUNDLE=<folder>, or a bundle/ folder here
# (made by `make bundle`), installs the Python and node parts from it with no network.
BUNDLE := $(abspath $(or $(YOUTHLAB_BUNDLE),$(wildcard bundle)))
# Online, pip takes the same pinned set (requirements.lock) from the registry.
PIP_FROM := $(if $(BUNDLE),--no-index --find-links $(BUNDLE)/wheels -c $(BUNDLE)/requirements.lock,-c requirements.lock)

.PHONY: setup up test test-fast bench doctor system-deps python-deps node-deps clean bundle

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

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(if $(BUNDLE),$(PY) -m youthlab.bundle verify $(BUNDLE))
	$(PIP) install -q $(PIP_FROM) --upgrade pip
	$(PIP) install -q $(PIP_FROM) -e '.[test]'
	$(if $(BUNDLE),$(PY) -m youthlab.bundle install-firmware $(BUNDLE))
	$(PY) -m youthlab.hub.lab_settings  # JupyterLab: no news/update checks, Korean default
	touch $@

node-deps: node_modules/.installed

node_modules/.installed: package.json
	$(if $(BUNDLE),$(PYTHON) -m youthlab.bundle install-node $(BUNDLE),npm install --no-audit --no-fund --loglevel=error)
	touch $@

up: setup
	$(VENV)/bin/youthlab up

doctor: python-deps
	$(VENV)/bin/youthlab doctor

# The suite on TEST_WORKERS pytest-xdist workers (0: one process), one test module per
# worker at a time, modules with slow tests first (tests/conftest.py has the locks).
TEST_WORKERS ?= 2
PARALLEL := -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test: setup
	$(VENV)/bin/pytest $(PARALLEL) --durations=25

test-fast: setup
	$(VENV)/bin/pytest $(PARALLEL) -m "not slow"

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b --quick || exit 1; done

# Everything `make setup` downloads, for a hall without internet (youthlab/bundle.py);
# `make bundle BUNDLE_OUT=<folder>` writes it elsewhere than bundle/.
bundle: python-deps node-deps
	$(PY) -m youthlab.bundle build $(or $(BUNDLE_OUT),bundle)

clean:
	rm -rf $(VENV) node_modules var .pytest_cache
