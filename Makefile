# One task runner. `make demo` and `make test` bootstrap everything inside the project folder:
# uv in .tools/, the locked environment in .venv/, caches in .cache/, data and PREFECT_HOME in var/.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export UV_CACHE_DIR := $(CURDIR)/.cache/uv
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
export UV_COMPILE_BYTECODE := 1
export UV_NO_PROGRESS := 1
export PIP_NO_CACHE_DIR := 1
export TLKPI_DATA_ROOT ?= $(CURDIR)/var
export PREFECT_HOME ?= $(TLKPI_DATA_ROOT)/prefect
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false
export MYPY_CACHE_DIR := $(CURDIR)/.cache/mypy
export RUFF_CACHE_DIR := $(CURDIR)/.cache/ruff

UV_VERSION := 0.13.8
PYTHON ?= python3.11
UV := .tools/bin/uv
VENV_STAMP := .venv/.synced-$(shell cat uv.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: help install demo test check bench clean-data

help:
	@echo "make demo   install, generate demo data, ingest it and publish its latest quarter"
	@echo "make test   install and run the test suite"
	@echo "make check  formatting, lint, types and lock file"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV_STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	rm -f .venv/.synced-*
	touch $@

install: $(VENV_STAMP)

demo: install
	.venv/bin/tlkpi demo

test: install
	.venv/bin/pytest

check: install
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy
	$(UV) lock --check

clean-data:
	rm -rf var
