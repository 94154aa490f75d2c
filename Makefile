# The two commands of the README, and a few helpers. Only Python is needed: uv is installed
# with pip when it is missing, and uv builds .venv from uv.lock with this machine's Python.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
# make demo UI=0 stops after the summary instead of serving the Dagster UI.
UI ?= 1
DEMO_FLAGS := $(if $(filter 0 no false,$(UI)),--no-ui,)

.PHONY: setup demo test lint format ui docs clean

# --compile-bytecode: every Python process (each dbt invocation, each test worker) loads its imports
# from bytecode instead of compiling them; where PYTHONDONTWRITEBYTECODE is set (container images
# often set it) nothing would ever write that cache. About 10 s once per fresh environment.
setup:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user uv
	$(UV) sync --locked --compile-bytecode

demo: setup
	$(UV) run --locked usage-platform demo $(DEMO_FLAGS)

# Two pytest-xdist workers (one per core on CI); tests are grouped so each shared build happens once
# (tests/conftest.py). PYTEST_XDIST= runs in one process. pytest exits 5 when it collected no test:
# that is a failure here, not a pass.
PYTEST_XDIST ?= -n 2 --dist loadgroup
test: setup
	@$(UV) run --locked pytest $(PYTEST_XDIST) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

lint: setup
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

format: setup
	$(UV) run --locked ruff check --fix .
	$(UV) run --locked ruff format .

ui: setup
	$(UV) run --locked dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# dbt docs of the local warehouse (models, columns, lineage graph), built offline: no package is
# fetched, nothing is tracked. Run it after `make demo`, while no materialization is running
# (dbt opens the DuckDB file). It prints how to serve them on http://127.0.0.1:8080.
DOCS_DUCKDB := $(abspath $(or $(USAGE_PLATFORM_DUCKDB_PATH),$(or $(USAGE_PLATFORM_DATA_DIR),data)/warehouse.duckdb))
DOCS_TARGET ?= $(CURDIR)/dbt/target
docs: setup
	@test -f "$(DOCS_DUCKDB)" || { echo "no warehouse at $(DOCS_DUCKDB): run make demo first" >&2; exit 1; }
	cd dbt && DO_NOT_TRACK=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false USAGE_PLATFORM_DUCKDB_PATH="$(DOCS_DUCKDB)" \
		$(UV) run --locked dbt docs generate --static --target-path "$(DOCS_TARGET)"
	@echo "Serve the dbt docs on http://127.0.0.1:8080:"
	@echo "  cd dbt && uv run dbt docs serve --target-path '$(DOCS_TARGET)' --host 127.0.0.1 --port 8080 --no-browser"
	@echo "or open $(DOCS_TARGET)/static_index.html (self-contained) in a browser."

clean:
	rm -rf data dbt/target dbt/logs
