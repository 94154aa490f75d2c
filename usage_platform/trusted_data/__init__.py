"""The trusted-data view: the checks that say whether data can be trusted, and why not.

- `pandera_checks`: the factory that turns a Pandera DataFrameModel into a Dagster asset check
  (severity, num_failures, first failure cases as Markdown); raw tables, dims and the pump use it.
- `raw_schemas`: a Pandera schema per raw table (text fields checked for what prep will cast).
- `raw_checks`: the checks every raw asset yields right after its load (schema, landing -> raw
  reconciliation, row-count bounds), remembered per file version in `raw.check_log`.
- `reconciliation`, `bounds`, `text_checks`: the pieces those checks are made of.
- `model_schemas`: a Pandera schema per dimension and for the Gainsight pump (expected columns,
  cross-column rules).
- `model_checks`: `build_model_checks(dbt_assets)`, the checks of the dbt-built assets beyond their
  dbt tests: those Pandera schemas, warehouse SQL checks of the facts, documented columns and
  column schema changes of every model and seed.
"""
