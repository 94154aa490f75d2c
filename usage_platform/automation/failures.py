"""The run-failure sensor: every failed run of the code location goes to the notifier."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from usage_platform.automation.notifier import FailedStep, Notification, Notifier, error_text

FAILURE_SENSOR = "notify_run_failures"
NOTIFIER_RESOURCE = "notifier"
_TRIGGER_TAGS = ("dagster/sensor_name", "dagster/schedule_name", "dagster/backfill")


def failure_notification(context: dg.RunFailureSensorContext) -> Notification:
    run = context.dagster_run
    event = context.failure_event
    steps = tuple(
        FailedStep(
            step_key=step_event.step_key or "",
            error=error_text(getattr(step_event.event_specific_data, "error", None)),
        )
        for step_event in context.get_step_failure_events()
    )
    # The run's own summary ("Steps failed: [...]"); its error too when no step failed (a crash
    # of the run worker, a resource that would not start).
    run_error = event.message or ""
    if not steps:
        run_error = "\n".join(
            filter(None, [run_error, error_text(getattr(event.event_specific_data, "error", None))])
        )
    trigger = next((f"{tag}={run.tags[tag]}" for tag in _TRIGGER_TAGS if tag in run.tags), "manual")
    record = context.instance.get_run_record_by_id(run.run_id)
    ended = record.end_time if record and record.end_time else None
    failed_at = dt.datetime.fromtimestamp(ended, dt.UTC) if ended else dt.datetime.now(dt.UTC)
    return Notification(
        kind="run_failure",
        job_name=run.job_name,
        run_id=run.run_id,
        failed_at=failed_at.isoformat(timespec="seconds"),
        error=run_error,
        failed_steps=steps,
        asset_selection=tuple(sorted(key.to_user_string() for key in run.asset_selection or ())),
        trigger=trigger,
    )


def build_failure_sensor(interval_seconds: int) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name=FAILURE_SENSOR,
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Reports every failed run (job, run id, failed steps, errors) through the notifier.",
    )
    def notify_run_failures(context: dg.RunFailureSensorContext, notifier: Notifier) -> None:
        notifier.send(failure_notification(context))

    return notify_run_failures
