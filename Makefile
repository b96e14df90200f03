# Everything installs itself: `make test` and `make hub` work on a fresh machine, idempotently.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | sha1sum | cut -c1-12)
EXTRAS := g4,train,root,hub,dev

.PHONY: test test-slow test-chart lint hub install clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	bash scripts/install-system-deps.sh
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

lint: install
	$(VENV)/bin/ruff check fastsim_kernel tests helm/fastsim-hub/files images

test: install lint
	$(VENV)/bin/python -m pytest -m "not slow" $(PYTEST_ARGS)

# The chart with the REAL z2jh subchart (needs the JupyterHub chart repository, or Z2JH_CHART=<its .tgz>);
# says plainly, and skips, where the repository cannot be reached.
test-chart: install
	FASTSIM_Z2JH_CHART=$(Z2JH_CHART) $(VENV)/bin/python -m pytest tests/platform/test_chart_real.py -rs $(PYTEST_ARGS)

test-slow: install
	$(VENV)/bin/python -m pytest -m slow $(PYTEST_ARGS)

hub: install
	$(VENV)/bin/fastsim hub $(HUB_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
