# Every target that runs code first makes sure .venv exists and holds the
# package with its dev, docs and dask extras, so a fresh clone needs no step done by hand.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.skneuro-installed

.PHONY: venv test lint demo bench docs clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --progress-bar off -e ".[dev,docs,dask]"
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The docs are part of the test: a broken docstring example fails pytest, a
# broken gallery example or a Sphinx warning fails the docs build.
test: lint
	$(PY) -m pytest
	$(MAKE) docs

demo: $(STAMP)
	$(VENV)/bin/skneuro study all --quick --out results/

bench: $(STAMP)
	@set -e; for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f; done

docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) docs/_build .pytest_cache .ruff_cache
