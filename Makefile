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

.PHONY: setup demo test lint format ui clean

setup:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user uv
	$(UV) sync --locked

demo: setup
	$(UV) run --locked usage-platform demo $(DEMO_FLAGS)

# pytest exits 5 when it collected no test: that is a failure here, not a pass.
test: setup
	@$(UV) run --locked pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

lint: setup
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

format: setup
	$(UV) run --locked ruff check --fix .
	$(UV) run --locked ruff format .

ui: setup
	$(UV) run --locked dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean:
	rm -rf data dbt/target dbt/logs
