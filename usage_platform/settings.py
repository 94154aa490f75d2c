"""Platform settings, read from the environment when definitions load (never at import).

Every setting has a working default so a fresh clone runs with nothing configured
(DESIGN.md §3). Relative paths are resolved against the current directory once, so every
component (loaders, dbt, Dagster) sees the same absolute locations.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
DAGSTER_YAML = PROJECT_ROOT / "dagster.yaml"

TARGETS = ("duckdb", "snowflake")


class SettingsError(ValueError):
    """A setting has a value the platform cannot work with."""


@dataclass(frozen=True)
class Settings:
    target: str
    data_dir: Path
    landing_dir: Path
    duckdb_path: Path
    metrics_dictionary_dir: Path
    dagster_home: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def path(name: str, default: Path) -> Path:
            value = env.get(name)
            return Path(value).expanduser().resolve() if value else default

        target = env.get("USAGE_PLATFORM_TARGET", "duckdb").strip().lower()
        if target not in TARGETS:
            raise SettingsError(f"USAGE_PLATFORM_TARGET={target!r}: expected one of {', '.join(TARGETS)}")
        data_dir = path("USAGE_PLATFORM_DATA_DIR", Path("data").resolve())
        landing_dir = path("USAGE_PLATFORM_LANDING_DIR", data_dir / "landing")
        return cls(
            target=target,
            data_dir=data_dir,
            landing_dir=landing_dir,
            duckdb_path=path("USAGE_PLATFORM_DUCKDB_PATH", data_dir / "warehouse.duckdb"),
            metrics_dictionary_dir=path(
                "USAGE_PLATFORM_METRICS_DICTIONARY_DIR", landing_dir / "metrics_dictionary"
            ),
            dagster_home=path("DAGSTER_HOME", data_dir / "dagster_home"),
        )

    def as_env(self) -> dict[str, str]:
        """The settings as environment variables, for subprocesses (dbt, dagster dev)."""
        return {
            "USAGE_PLATFORM_TARGET": self.target,
            "USAGE_PLATFORM_DATA_DIR": str(self.data_dir),
            "USAGE_PLATFORM_LANDING_DIR": str(self.landing_dir),
            "USAGE_PLATFORM_DUCKDB_PATH": str(self.duckdb_path),
            "USAGE_PLATFORM_METRICS_DICTIONARY_DIR": str(self.metrics_dictionary_dir),
            "DAGSTER_HOME": str(self.dagster_home),
        }
