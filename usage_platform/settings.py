"""Platform settings, read from the environment when definitions load (never at import).

Every setting has a working default so a fresh clone runs with nothing configured
(DESIGN.md §3). Relative paths are resolved against the current directory once, so every
component (loaders, dbt, Dagster) sees the same absolute locations.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
DAGSTER_YAML = PROJECT_ROOT / "dagster.yaml"

TARGETS = ("duckdb", "snowflake")
DEFAULT_GAINSIGHT_ROLE = "GAINSIGHT"
# An unquoted Snowflake identifier: the role goes into a GRANT statement as it is.
_SNOWFLAKE_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


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
    # Where files for downstream systems are published (Gainsight's file connector reads it).
    outbox_dir: Path
    # The Snowflake role Gainsight reads the pump with (granted SELECT by dbt on that target).
    gainsight_role: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def path(name: str, default: Path) -> Path:
            value = env.get(name)
            return Path(value).expanduser().resolve() if value else default

        target = env.get("USAGE_PLATFORM_TARGET", "duckdb").strip().lower()
        if target not in TARGETS:
            raise SettingsError(f"USAGE_PLATFORM_TARGET={target!r}: expected one of {', '.join(TARGETS)}")
        gainsight_role = env.get("USAGE_PLATFORM_GAINSIGHT_ROLE", "").strip() or DEFAULT_GAINSIGHT_ROLE
        if not _SNOWFLAKE_IDENTIFIER.fullmatch(gainsight_role):
            raise SettingsError(
                f"USAGE_PLATFORM_GAINSIGHT_ROLE={gainsight_role!r}: expected a Snowflake role name "
                "(letters, digits, _ and $, not starting with a digit)"
            )
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
            outbox_dir=path("USAGE_PLATFORM_OUTBOX_DIR", data_dir / "outbox"),
            gainsight_role=gainsight_role,
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
            "USAGE_PLATFORM_OUTBOX_DIR": str(self.outbox_dir),
            "USAGE_PLATFORM_GAINSIGHT_ROLE": self.gainsight_role,
        }
