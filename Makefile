# Two commands on a fresh machine (python3, make; npm comes with the venv's Node 24):
#   make synth  - install, validate and plan specs/reference.yaml, run the real `cdk synth` into cdk.out/
#   make test   - install (with test tools), run the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
SPEC ?= specs/reference.yaml

export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_HOME := $(CURDIR)/.cdk
export JSII_NODE := $(CURDIR)/$(VENV)/bin/node
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: install install-dev synth deploy test bench lint format clean

$(VENV)/.runtime: requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# checkov pins boto3 and packaging versions ultrafleet's cannot share: it gets its own venv inside .venv.
$(VENV)/checkov/.installed: requirements-checkov.txt $(VENV)/.runtime
	python3 -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@

node_modules/.installed: package-lock.json $(VENV)/.runtime
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.runtime node_modules/.installed
install-dev: install $(VENV)/.dev $(VENV)/checkov/.installed

synth: install
	ultrafleet validate $(SPEC)
	ultrafleet plan $(SPEC)
	ultrafleet synth $(SPEC)

# The pipelines' deploy step: one environment of the spec, every stack in dependency order.
deploy: install
	@test -n "$(ENV)" || { echo "usage: make deploy ENV=<environment> [SPEC=$(SPEC)]" >&2; exit 2; }
	ultrafleet synth $(SPEC) --env $(ENV) --output cdk.out/$(ENV)
	node_modules/.bin/cdk deploy --app cdk.out/$(ENV) --all --require-approval never

test: install-dev
	pytest

bench: install-dev
	python bench/run.py

lint: install-dev
	ruff check . && ruff format --check .

format: install-dev
	ruff format . && ruff check --fix .

clean:
	rm -rf $(VENV) node_modules cdk.out .cdk
