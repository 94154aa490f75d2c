"""Where run failures are reported: a notifier resource.

`FileNotifier` (the default) appends one JSON object per failure to a file under the data dir
and logs it; `SlackNotifier` posts it to a Slack channel through `dagster-slack`, chosen when
`USAGE_PLATFORM_SLACK_CHANNEL` is set (the bot token comes from `SLACK_BOT_TOKEN` at send time).
Another channel is a subclass of `Notifier` with its own `send`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import dagster as dg

from usage_platform.settings import Settings

SLACK_CHANNEL_ENV = "USAGE_PLATFORM_SLACK_CHANNEL"
SLACK_TOKEN_ENV = "SLACK_BOT_TOKEN"
ERROR_CHARS = 2000


@dataclass(frozen=True)
class FailedStep:
    step_key: str
    error: str


@dataclass(frozen=True)
class Notification:
    """One failed run, as every notifier reports it."""

    kind: str  # "run_failure"
    job_name: str
    run_id: str
    failed_at: str  # ISO 8601, UTC
    error: str
    failed_steps: tuple[FailedStep, ...]
    asset_selection: tuple[str, ...]
    trigger: str  # the sensor or schedule that launched the run, else "manual"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def text(self) -> str:
        """A few lines for chat: what failed, where, and the first error."""
        steps = ", ".join(step.step_key for step in self.failed_steps) or "no step (the run itself)"
        first_error = self.failed_steps[0].error if self.failed_steps else self.error
        lines = [
            f"Run {self.run_id} of {self.job_name} failed (triggered by {self.trigger}).",
            f"Failed steps: {steps}",
        ]
        if self.asset_selection:
            shown = ", ".join(self.asset_selection[:10])
            more = f" and {len(self.asset_selection) - 10} more" if len(self.asset_selection) > 10 else ""
            lines.append(f"Assets: {shown}{more}")
        lines.append(f"Error: {first_error.strip().splitlines()[0] if first_error.strip() else '(none)'}")
        return "\n".join(lines)


class Notifier(dg.ConfigurableResource):
    """Sends a notification somewhere; subclasses say where."""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement send()")


class FileNotifier(Notifier):
    """Appends each notification as one JSON line to `path`, and logs it."""

    path: str

    def send(self, notification: Notification) -> None:
        target = Path(self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as handle:
            handle.write(notification.to_json() + "\n")
        dg.get_dagster_logger().error(f"{notification.text()}\n(recorded in {target})")


class SlackNotifier(Notifier):
    """Posts each notification to a Slack channel with dagster-slack's client."""

    channel: str
    token: str

    def send(self, notification: Notification) -> None:
        from dagster_slack import SlackResource

        client = SlackResource(token=self.token).get_client()
        client.chat_postMessage(channel=self.channel, text=notification.text())


def notifier_from_env(settings: Settings, environ: Mapping[str, str]) -> Notifier:
    """Slack when a channel is configured, else a JSON-lines file under the data dir."""
    channel = environ.get(SLACK_CHANNEL_ENV, "").strip()
    if not channel:
        return FileNotifier(path=str(failure_log_path(settings)))
    return SlackNotifier(channel=channel, token=dg.EnvVar(SLACK_TOKEN_ENV))


def failure_log_path(settings: Settings) -> Path:
    return settings.data_dir / "notifications" / "run_failures.jsonl"


def error_text(error: object | None) -> str:
    """A SerializableErrorInfo (or anything) as text, cut to a readable length."""
    if error is None:
        return ""
    to_string = getattr(error, "to_string", None)
    text = to_string() if callable(to_string) else str(error)
    return text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS] + "..."
