# One entry point for contributors and CI. Every target that needs Python
# creates or refreshes the virtual environment from the pinned lock file first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-from-lock
# The Zensical build has an environment of its own, from its own hash-pinned lock file.
ZENSICAL_VENV := .venv-zensical
ZENSICAL_PY := $(ZENSICAL_VENV)/bin/python
ZENSICAL_STAMP := $(ZENSICAL_VENV)/.installed-from-lock
HOST ?= 127.0.0.1
SERVE_PORT ?= 8000
# Test processes: one per CPU core by default (pytest-xdist). JOBS=0 runs the suite in one process.
JOBS ?= auto

# Material for MkDocs prints an end-of-life notice about MkDocs 1.x on every
# build; CONTRIBUTING.md explains what that means for this project.
export NO_MKDOCS_2_WARNING := 1
# The root is on the path for `hooks.shortcodes`, the Markdown extension mkdocs.yml lists (`python -m`
# adds the folder it runs in too, but a bare `mkdocs` or `zensical` command does not). The packages under
# src/ are installed into .venv/ (editable), but not into Zensical's environment, which reads them from here.
export PYTHONPATH := $(CURDIR)/src:$(CURDIR)

.PHONY: serve test check build build-zensical mock example update-outputs postman lock bench bench-suite bench-site clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --requirement requirements.lock
	$(PY) -m pip install --quiet --no-deps --editable .
	@touch $@

$(ZENSICAL_STAMP): requirements-zensical.lock
	@test -x $(ZENSICAL_PY) || $(PYTHON) -m venv $(ZENSICAL_VENV)
	$(ZENSICAL_PY) -m pip install --quiet --require-hashes --requirement requirements-zensical.lock
	@touch $@

## Build the site and serve it with live reload at http://127.0.0.1:8000
serve: $(STAMP)
	$(PY) -m mkdocs serve --dev-addr $(HOST):$(SERVE_PORT) --livereload

# pytest keeps the test modules it has rewritten (for its assert messages) as bytecode, and reads them
# back on the next run in each test process; PYTHONDONTWRITEBYTECODE, if the shell sets it, would make
# every process rewrite them all again. The examples still run without writing bytecode (tests/support/example_runner.py).
TEST_ENV := PYTHONDONTWRITEBYTECODE=

## Run the whole test suite (mock API, every example, site build, browser)
test: $(STAMP)
	$(TEST_ENV) $(PY) -m pytest --numprocesses $(JOBS) $(PYTEST_ARGS)

## Run the quick layer while you edit: everything but the browser tests and the slow ones (CONTRIBUTING.md)
check: $(STAMP)
	$(TEST_ENV) $(PY) -m pytest --numprocesses $(JOBS) -m "not browser and not slow" $(PYTEST_ARGS)

## Build the static site into site/ (strict: any warning fails)
build: $(STAMP)
	$(PY) -m mkdocs build --strict

## Build the same mkdocs.yml with Zensical into site-zensical/ (strict; see CONTRIBUTING.md)
build-zensical: $(ZENSICAL_STAMP)
	DOCS_SITE_DIR=site-zensical $(ZENSICAL_PY) -m zensical build --clean --strict --config-file mkdocs.yml

## Start the sandbox (cliniko-sandbox, a mock of the API) by hand; PORT picks the port (default 18443)
mock: $(STAMP)
	$(VENV)/bin/cliniko-sandbox $(if $(PORT),--port $(PORT)) $(ARGS)

## Rewrite the stored output of every example, and the examples in docs/openapi.yaml, after an intended change
update-outputs: $(STAMP)
	$(PY) -m pytest tests/examples/test_snippets.py --update-outputs

## Remake docs/cliniko-api.postman_collection.json from docs/openapi.yaml (needs Node.js and npm)
postman: $(STAMP)
	$(PY) -m cliniko_docs.postman

## Re-pin every dependency after editing pyproject.toml
lock: $(STAMP)
	$(PY) -m pip install --quiet pip-tools
	$(PY) -m piptools compile --quiet --extra docs --extra test --strip-extras \
	  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
	  --output-file requirements.lock pyproject.toml
	$(PY) -m piptools compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
	  --output-file requirements-zensical.lock requirements-zensical.in

clean:
	rm -rf site site-zensical .cache .pytest_cache test-results

## Run examples against the hand-started mock, as the tests do: make example S=snippets/quickstart/get_user.py
example: $(STAMP)
	@test -n "$(S)" || { echo "give the example(s) to run: make example S=snippets/<dir>/<file>"; exit 2; }
	$(PY) tests/support/example_runner.py $(S)

## Print the mock API's speed figures, and its memory and a bystander's waits under attack: make bench ARGS=--attacks
bench: $(STAMP)
	$(PY) bench/bench_mock.py $(ARGS)

## Print how long the test suite takes here, whole and in parts (wall clock and CPU)
bench-suite: $(STAMP)
	$(TEST_ENV) $(PY) bench/bench_suite.py --jobs $(JOBS)

## Lighthouse on every page, next to a bare Material build: make bench-site ARGS="--pages errors --runs 1"
bench-site: $(STAMP)
	$(PY) bench/bench_site.py $(ARGS)
