# Two commands for a fresh clone (see README):  make book   |   make test
# `make lab` opens JupyterLab on the pages (book/*.md open as notebooks, reading the shipped data/).
# Both create .venv and install the pinned requirements on first use (`make lab` adds requirements-lab.txt).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: book test lab clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

book: $(STAMP)
	$(VENV)/bin/ruxlib build

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

# A double click opens a page (jupytext MyST) as a notebook; its `data_dir = "../data"` is the shipped data.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
LAB_STAMP := $(VENV)/.lab-stamp
$(LAB_STAMP): $(STAMP) requirements-lab.txt
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-lab.txt
	touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	mkdir -p $(LAB_SETTINGS)
	printf '%s\n' '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}}}' > $(LAB_SETTINGS)/overrides.json
	cd book && $(abspath $(VENV))/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root)

clean:
	rm -rf _build
