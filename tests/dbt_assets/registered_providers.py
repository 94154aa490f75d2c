"""The module the dbt asset tests list in PROVIDER_MODULES; each test sets PROVIDERS itself."""

from __future__ import annotations

PROVIDERS: dict = {}
