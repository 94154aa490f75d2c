"""The analysts' reports (dbt rpt_product_usage_* models): their headline metadata."""
