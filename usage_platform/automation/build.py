"""What the root definitions take from automation: sensors, the notifier, the downstream policy.

    defs = with_automation(dg.Definitions(...), settings)

adds one landing sensor per source system, the automation sensor, the run-failure sensor and the
`notifier` resource, and gives every asset downstream of raw its automation condition. All sensors
run by default. Read when definitions load (never at import):

- `USAGE_PLATFORM_SENSOR_INTERVAL_SECONDS` (default 30): how often the sensors are evaluated;
- `USAGE_PLATFORM_SLACK_CHANNEL`: report failures to Slack instead of the JSON-lines file.

No schedule: every model is a function of its inputs, so the sensors and eager automation keep
everything current; a schedule would only rerun unchanged SQL. A calendar becomes the trigger
only for something that must happen at a date whatever the data (a monthly push to Gainsight).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

from usage_platform.automation.automation import apply_automation_policy, build_automation_sensor
from usage_platform.automation.failures import NOTIFIER_RESOURCE, build_failure_sensor
from usage_platform.automation.notifier import notifier_from_env
from usage_platform.automation.sensors import build_landing_sensors
from usage_platform.settings import Settings, SettingsError

INTERVAL_ENV = "USAGE_PLATFORM_SENSOR_INTERVAL_SECONDS"
DEFAULT_INTERVAL_SECONDS = 30


def sensor_interval_seconds(environ: Mapping[str, str]) -> int:
    text = environ.get(INTERVAL_ENV, "").strip()
    if not text:
        return DEFAULT_INTERVAL_SECONDS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise SettingsError(f"{INTERVAL_ENV}={text!r}: expected a whole number of seconds, at least 1")
    return value


def build_automation(settings: Settings, environ: Mapping[str, str] | None = None) -> dg.Definitions:
    """The sensors and the notifier resource, as definitions to merge into the root."""
    env = os.environ if environ is None else environ
    interval = sensor_interval_seconds(env)
    return dg.Definitions(
        sensors=[
            *build_landing_sensors(settings, interval),
            build_automation_sensor(interval),
            build_failure_sensor(interval),
        ],
        resources={NOTIFIER_RESOURCE: notifier_from_env(settings, env)},
    )


def with_automation(
    defs: dg.Definitions, settings: Settings, environ: Mapping[str, str] | None = None
) -> dg.Definitions:
    """The root definitions with the automation policy applied once and the sensors added."""
    return dg.Definitions.merge(apply_automation_policy(defs), build_automation(settings, environ))
