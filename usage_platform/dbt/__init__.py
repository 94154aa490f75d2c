"""The dbt project as Dagster assets: models, seeds and tests (as asset checks)."""
