# Every target that runs code first makes sure .venv exists and holds the
# package with its dev, docs, dask and onnx extras, so a fresh clone needs no step done by hand.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.skneuro-installed

.PHONY: venv test lint demo bench docs clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --progress-bar off -e ".[dev,docs,dask,onnx]"
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The loop's tests run a second time with the engine's fast paths off
# (SKNEURO_FAST_PATHS=0: public torch and skorch API only, see
# skneuro/_engine/fast_paths.py), so that the way a torch or skorch upgrade
# falls back to keeps working. Left out: scikit-learn's estimator checks of
# the test base classes (slow, and no loop path of their own).
FAST_PATHS_OFF_TESTS := tests/test_engine.py tests/test_mlp.py tests/test_neural_base.py
FAST_PATHS_OFF_K := not scikit_learn
# Ctrl-C through the convolutional, autoencoder and pruning loops, and the
# convolutional steps (mixed precision, bfloat16, channels-last weights).
FAST_PATHS_OFF_MORE := tests/test_cnn.py tests/test_autoencoder.py tests/test_distinctiveness.py tests/test_precision.py
FAST_PATHS_OFF_MORE_K := ctrl_c or mixed_precision or channels_last or bfloat16

# The docs are part of the test: a broken docstring example fails pytest, a
# broken gallery example or a Sphinx warning fails the docs build.
test: lint
	$(PY) -m pytest
	SKNEURO_FAST_PATHS=0 $(PY) -m pytest -q $(FAST_PATHS_OFF_TESTS) -k "$(FAST_PATHS_OFF_K)"
	SKNEURO_FAST_PATHS=0 $(PY) -m pytest -q $(FAST_PATHS_OFF_MORE) -k "$(FAST_PATHS_OFF_MORE_K)"
	$(MAKE) docs

demo: $(STAMP)
	$(VENV)/bin/skneuro study all --quick --out results/

bench: $(STAMP)
	@set -e; for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f; done

docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) docs/_build .pytest_cache .ruff_cache
