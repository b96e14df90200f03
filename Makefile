# Everything installs itself: `make hub` and `make test` work on a fresh machine, idempotently.
# `make hub` installs what the hub and the notebooks need; `make test` adds the test tools (browser, extras).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HASH   := $(shell cat pyproject.toml Makefile scripts/install-system-deps.sh | sha1sum | cut -c1-12)
HUB_STAMP  := $(VENV)/.installed-hub-$(HASH)
TEST_STAMP := $(VENV)/.installed-test-$(HASH)
HUB_EXTRAS  := g4,train,hub
TEST_EXTRAS := g4,train,root,hub,dev

.PHONY: test test-slow test-chart lint hub install model notebooks images test-images clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(HUB_STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[$(HUB_EXTRAS)]"
	bash scripts/install-system-deps.sh hub
	rm -f $(VENV)/.installed-hub-* && touch $@

$(TEST_STAMP): $(HUB_STAMP)
	$(PY) -m pip install --quiet -e ".[$(TEST_EXTRAS)]"
	bash scripts/install-system-deps.sh test
	rm -f $(VENV)/.installed-test-* && touch $@

install: $(TEST_STAMP)

lint: install
	$(VENV)/bin/ruff check fastsim_kernel tests helm/fastsim-hub/files images

test: install lint
	$(VENV)/bin/python -m pytest -m "not slow and not images" $(PYTEST_ARGS)

# The chart with the REAL z2jh subchart (needs the JupyterHub chart repository, or Z2JH_CHART=<its .tgz>);
# says plainly, and skips, where the repository cannot be reached.
test-chart: install
	FASTSIM_Z2JH_CHART=$(Z2JH_CHART) $(VENV)/bin/python -m pytest tests/platform/test_chart_real.py -rs $(PYTEST_ARGS)

test-slow: install
	$(VENV)/bin/python -m pytest -m slow $(PYTEST_ARGS)

hub: $(HUB_STAMP)
	$(VENV)/bin/fastsim hub $(HUB_ARGS)

# The shipped model from scratch on this CPU (docs/gan.md): the Geant4 sample (37 min on 2 cores), then the CPU
# recipe, 17 epochs (34 min); both resume where they stopped. Check it with
# `fastsim reference --out runs/reference.h5` and `fastsim validate --reference runs/reference.h5 --model runs/cpu`.
MODEL_DATA := runs/g4_train_25.h5
model: $(HUB_STAMP)
	test -f $(MODEL_DATA) || $(VENV)/bin/fastsim simulate --n 4000 --energy 8:110 --theta 55:125 --grid 25x25x25 \
	  --seed 2026 --out $(MODEL_DATA) $(if $(wildcard $(MODEL_DATA).parts),--resume)
	$(VENV)/bin/fastsim train --recipe cpu --data $(MODEL_DATA) --out runs/cpu --seed 1 --epochs 17 \
	  $(if $(wildcard runs/cpu/config.json),--resume)

# The curated notebooks executed with their test parameters, outputs kept: docs/notebooks/rendered/
notebooks: install
	$(PY) scripts/render_notebooks.py docs/notebooks/rendered

# The five profile images, built with buildah on a Debian base (docs/images.md); IMAGES="fastsim" for some.
images:
	bash scripts/build-images.sh $(IMAGES)

# The built fastsim image run as its profile runs it: notebooks, training, doctor (docs/images.md)
test-images: install images
	$(VENV)/bin/python -m pytest -m images tests/images $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
