# Two commands do all the set-up (see README):
#   make lab    create .venv, install, open JupyterLab on the start-here notebook
#               (ARGS="--port 8891 --no-browser" passes options to jupyter lab; likewise make app)
#   make test   create .venv, install, run lint, type checks and the whole test suite
#   make book   build the course as a Jupyter Book, notebooks executed: notebooks/_build/html
#               (BOOK_ARGS=--no-execute for pages without outputs, in seconds)
#   make binder-config  point the book's buttons and the README badge at
#               pyproject.toml's [tool.workbench] repository

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab app test lint typecheck pytest install clean book binder-config

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@# Keep JupyterLab from fetching news (a pop-up over the page and an outbound request).
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
		> $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) $(ARGS) notebooks/00_start_here.ipynb

app: $(STAMP)
	$(BIN)/voila $(ARGS) notebooks/app.ipynb

lint: $(STAMP)
	$(BIN)/ruff check workbench widgets tests tools
	$(BIN)/ruff format --check workbench widgets tests tools

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

book: $(STAMP)
	$(BIN)/python -m tools.book config --check
	$(BIN)/python -m tools.book build $(BOOK_ARGS)

binder-config: $(STAMP)
	$(BIN)/python -m tools.book config

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
