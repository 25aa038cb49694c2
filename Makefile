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
# The browser tests drive Debian's chromium, never a downloaded browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

UV_VERSION := 0.13.8
PYTHON ?= python3.11
UV := .tools/bin/uv
VENV_STAMP := .venv/.synced-$(shell cat uv.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: help install browser postgres libreoffice demo test check bench clean-data

help:
	@echo "make demo   install, generate the demo programme, ingest it and publish its 5 quarters"
	@echo "make test   install and run the test suite"
	@echo "make check  formatting, lint, types and lock file"
	@echo "make bench  performance harness (BENCH_ARGS=--quick for a smoke run); writes BENCHMARKS.md"

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

# The browser tests need Debian's chromium and a Java runtime (HTML validator); as root, install what
# is missing. Otherwise they skip, unless TLKPI_REQUIRE_BROWSER=1 (as .ci/run sets) makes them fail.
browser:
	@if { ! command -v chromium >/dev/null || ! command -v java >/dev/null; } && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium default-jre-headless fonts-dejavu-core >/dev/null; \
	fi

# The scale-out tests (tests/scaleout) start a throwaway cluster of Debian's PostgreSQL server; as root,
# install it when missing. Otherwise they skip, unless TLKPI_REQUIRE_POSTGRES=1 (as .ci/run sets).
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			postgresql >/dev/null; \
	fi

# The template test (tests/e2e/test_template_in_libreoffice.py) fills the template in Debian's LibreOffice
# Calc through its UNO bridge; as root, install it when missing. Otherwise it skips, unless
# TLKPI_REQUIRE_BROWSER=1 (as .ci/run sets).
libreoffice:
	@if { ! command -v soffice >/dev/null || ! /usr/bin/python3 -c 'import uno' 2>/dev/null; } && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			libreoffice-calc-nogui python3-uno >/dev/null; \
	fi

# Three workers (pytest-xdist) on a 2-core machine: a third worker fills the time the others wait (Prefect
# servers starting, workers polling, browsers). Each test file runs whole on one of them (its module
# fixtures, a demo or a server, are made once) except the files of independent costly tests, spread test
# by test; the slowest files start first so the workers end together (tests/support/schedule.py).
test: install browser postgres libreoffice
	.venv/bin/pytest -n 3 --dist loadgroup --no-loadscope-reorder

check: install
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy
	$(UV) lock --check

bench: install
	.venv/bin/python -m bench.run $(BENCH_ARGS)

clean-data:
	rm -rf var
