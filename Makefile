# The README's two commands: `make report` (main job, offline) and `make test`;
# `make lab` opens the notebooks in JupyterLab on the project's environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint lab clean

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

lab: $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name eventstudy --display-name "Python (eventstudy)"
	$(BIN)/jupyter lab --notebook-dir=notebooks

lint: $(STAMP)
	$(BIN)/ruff check eventstudy tests

clean:
	rm -rf $(VENV) reports build *.egg-info
