# Two commands do all set-up on a fresh machine:
#   make demo   venv + install + index the bundled corpus + start the web chat
#   make test   venv + install + lint + the whole test suite (what CI runs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.msra-installed
export MSRA_HOME ?= $(CURDIR)/.msra-home
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install index demo ask-examples test lint eval bench clean audit

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test]"
	touch $@

install: $(STAMP)

index: install
	$(BIN)/msra ingest --bundled

ask-examples: index
	$(BIN)/msra ask "How long is the operator responsible for revegetation under SMCRA where annual rainfall is 26 inches or less?"
	$(BIN)/msra ask "What must a restoration plan under Article 46 of China's Mineral Resources Law include?"

demo: index
	$(BIN)/msra serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: install lint
	$(BIN)/python -m pytest

eval: index
	$(BIN)/msra eval --out out/eval

bench: install
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[bench]"
	$(BIN)/python benchmarks/bench_ingest.py --runs 3
	$(BIN)/python benchmarks/bench_query.py --queries 40
	$(BIN)/python benchmarks/bench_quality.py

clean:
	rm -rf $(VENV) .msra-home out test-artifacts

# Known vulnerabilities in the pinned dependencies (needs the PyPI JSON API; offline it reports what it skipped).
audit:
	test -x .venv-audit/bin/pip-audit || ($(PYTHON) -m venv .venv-audit && .venv-audit/bin/pip install -q pip-audit==2.10.1)
	.venv-audit/bin/pip-audit -r constraints.txt --no-deps --disable-pip --progress-spinner off
