"""The trusted-data view: the checks that say whether data can be trusted, and why not.

- `pandera_checks`: the factory that turns a Pandera DataFrameModel into a Dagster asset check
  (severity, num_failures, first failure cases as Markdown); raw tables, dims and the pump use it.
- `raw_schemas`: a Pandera schema per raw table (text fields checked for what prep will cast).
- `raw_checks`: the checks every raw asset yields right after its load (schema, landing -> raw
  reconciliation, row-count bounds), remembered per file version in `raw.check_log`.
- `reconciliation`, `bounds`, `text_checks`: the pieces those checks are made of.
"""
