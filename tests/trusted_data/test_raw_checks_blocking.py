"""A planted bad row in a landing export fails the right Pandera check, with that row in the
failure cases, and stops the dbt models downstream in the same run; it keeps them stopped until a
corrected export arrives. A warning-level problem is reported but lets the run through."""

from __future__ import annotations

import dagster as dg

from tests.trusted_data.trusted_landing import (
    csv_records,
    evaluations,
    generated_settings,
    materialize_raw,
    meta,
    query,
    rewrite_csv,
)
from usage_platform.definitions import MATERIALIZE_ALL_JOB, build_definitions

RAW = dg.AssetKey(["raw", "releases_releases"])
PREP = dg.AssetKey(["prep", "prep_app_release_major_minor"])
CHECK = "raw/releases_releases:pandera_schema"


def run(defs, instance) -> dg.ExecuteInProcessResult:
    """The prep model and the raw tables it reads (whichever they are), with their checks."""
    raw_parents = defs.resolve_asset_graph().get(PREP).parent_keys
    assert RAW in raw_parents
    job = defs.resolve_job_def(MATERIALIZE_ALL_JOB)
    return job.execute_in_process(
        instance=instance, asset_selection=[*raw_parents, PREP], raise_on_error=False
    )


def materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def prep_exists(settings) -> bool:
    found = query(
        settings,
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        PREP.path,
    )
    return bool(found[0][0])


def test_a_bad_row_blocks_dbt_until_a_corrected_export_arrives(tmp_path):
    settings, _ = generated_settings(tmp_path)
    export = settings.landing_dir / "releases/releases.csv"
    planted = {}

    def plant_bad_date(rows):
        planted["version"] = rows[3]["major_minor_version"]
        rows[3]["release_date"] = "2026-02-30"  # no such day: prep's try_cast would null it silently

    rewrite_csv(export, plant_bad_date)
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.ephemeral()

    first = run(defs, instance)
    assert not first.success
    check = evaluations(first)[CHECK]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert (meta(check, "num_failures"), meta(check, "severity")) == (1, "ERROR")
    cases = meta(check, "failure_cases")
    (bad_line,) = [line for line in cases.splitlines() if "2026-02-30" in line]
    assert "| release_date | date_text |" in bad_line
    assert f"major_minor_version={planted['version']}" in bad_line
    # Raw is loaded (nothing accepted is thrown away); dbt did not run.
    assert RAW in materialized(first) and PREP not in materialized(first)
    assert not prep_exists(settings)

    # Nothing new arrives: the bad version is still what prep would read, so it still blocks.
    second = run(defs, instance)
    assert not second.success and PREP not in materialized(second)
    assert meta(evaluations(second)[CHECK], "num_failures") == 1

    # A corrected export (a new version of the file) lets dbt run.
    rewrite_csv(export, lambda rows: rows[3].update(release_date="2026-03-19"))
    third = run(defs, instance)
    assert third.success and evaluations(third)[CHECK].passed
    assert PREP in materialized(third)
    versions = query(settings, "select count(*) from prep.prep_app_release_major_minor")[0][0]
    assert versions == csv_records(export)


def test_errors_stop_their_step_and_warnings_do_not(tmp_path):
    settings, _ = generated_settings(tmp_path)

    def duplicate_a_license(rows):
        rows.append(dict(rows[0]))

    licenses = rewrite_csv(settings.landing_dir / "customers_db/licenses.csv", duplicate_a_license)
    rewrite_csv(
        settings.landing_dir / "zuora/subscription.csv",
        lambda rows: rows[5].update(TermType="ROLLING"),  # not a Zuora term type: worth a look
    )
    result = materialize_raw(settings)
    found = evaluations(result)

    duplicate = found["raw/customers_db_licenses:pandera_schema"]
    assert not duplicate.passed and duplicate.severity == dg.AssetCheckSeverity.ERROR
    assert meta(duplicate, "num_failures") == 2  # both rows sharing the id
    assert f"duplicate _source_file=customers_db/licenses.csv, id={licenses[0]['id']}" in meta(
        duplicate, "failure_cases"
    )
    warning = found["raw/zuora_subscription:pandera_schema"]
    assert not warning.passed and warning.severity == dg.AssetCheckSeverity.WARN
    assert "| WARN | TermType | accepted_values | ROLLING |" in meta(warning, "failure_cases")

    failed_steps = {
        event.step_key for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_FAILURE
    }
    assert failed_steps == {"raw_customers_db"}
