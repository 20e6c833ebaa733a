# The two commands of README.md. Both create .venv with the pinned packages of
# requirements.txt when it is missing or older than that file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: run test

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores 4 $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)
