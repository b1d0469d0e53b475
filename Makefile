# The README's two commands: `make report` (main job, offline) and `make test`;
# `make lab` opens the notebooks in JupyterLab on the project's environment;
# `make docs` builds the documentation site into docs/_build/html (offline).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test docs lint lab clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/eventstudy run xiaomi
	$(BIN)/python -m eventstudy.report --output reports

test: $(STAMP)
	$(BIN)/python -m pytest

# -E: a fresh build every time, so that the notebooks are executed again on the
# library as it is now (myst-nb runs them while reading the pages).
docs: $(STAMP)
	$(BIN)/python -m sphinx -b html -E -W --keep-going -d docs/_build/doctrees docs docs/_build/html

# The notebooks name ipykernel's own kernel, python3: in this JupyterLab, .venv's Python.
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

lint: $(STAMP)
	$(BIN)/ruff check eventstudy tests

clean:
	rm -rf $(VENV) reports build *.egg-info docs/_build docs/api/generated
