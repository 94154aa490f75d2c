"""prep_ping_instance, fct_ping_instance_metric_monthly and mart_ping_instance_metric_monthly are
incremental: history is built, then a later week of Service Ping files lands (crossing a month
end, with a payload delivered again and an earlier copy of an old ping arriving late) with
ip_to_geo exported again without one country and the release list with one date corrected; a
later build follows a metrics dictionary edit. The last build equals a full refresh of the same
landing zone row for row, while the rows a build does not change are left as they were."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import dbt_build, load_raw, settings_for
from tests.ping_flatten.ping_flatten_landing import query
from tests.ping_flatten.test_ping_flatten_incremental import records
from usage_platform.synthetic import generate

END_DATE = dt.date(2026, 11, 3)  # the new week (Oct 28 .. Nov 3) crosses a month end
NEW_WEEK_FROM = END_DATE - dt.timedelta(days=6)
SELECT = "+mart_ping_instance_metric_monthly"
TABLES = {
    "prep_ping_instance": "prep.prep_ping_instance",
    "monthly": "common.fct_ping_instance_metric_monthly",
    "mart": "marts.mart_ping_instance_metric_monthly",
}
# Columns that say when and by which run a row was written: not part of the comparison.
BOOKKEEPING = ("_loaded_at", "_dbt_invocation_id")
MART_BOOKKEEPING = ("_dbt_invocation_id", "_fct_invocation_id")


def rows(settings, table: str, *, bookkeeping: bool = False) -> list[dict]:
    columns = MART_BOOKKEEPING if table == TABLES["mart"] else BOOKKEEPING
    excluded = "" if bookkeeping else f" exclude ({', '.join(columns)})"
    return query(settings, f"select *{excluded} from {table} order by all")


def snapshot(settings) -> dict[str, list[dict]]:
    return {name: rows(settings, table, bookkeeping=True) for name, table in TABLES.items()}


def redeliveries(history: list[Path]) -> tuple[list[dict], dict, dict]:
    """Envelopes for a file landing in the new week: a payload of the history received again (a
    duplicate), an October payload of the history with a receipt a day before its first (a
    late-arriving earlier copy), and a payload without metrics that is its installation's last of
    October. Returns them, the late copy's payload and the payload without metrics."""
    october = [f for f in history if f.name >= "2026-10-05" and any(f.glob("*.json"))]
    files = [f for f in sorted(history[-1].iterdir()) if "interrupted" not in f.name]
    duplicate = records(files[0])[0]
    late_folder = october[0]
    late = records(sorted(late_folder.glob("*.json"))[0])[0]
    late_receipt = dt.datetime.combine(dt.date.fromisoformat(late_folder.name), dt.time(12))
    late_receipt -= dt.timedelta(days=1)
    bare = {key: duplicate[key] for key in ("uuid", "hostname", "version", "edition", "installation_type")}
    bare["recorded_at"] = "2026-10-31T23:00:00.000+00:00"
    envelopes = [
        {"payload": duplicate, "received_at": f"{NEW_WEEK_FROM} 09:00:00", "source_ip": "10.1.2.3"},
        {"payload": late, "received_at": late_receipt.isoformat(sep=" "), "source_ip": "10.1.2.4"},
        {"payload": bare, "received_at": "2026-10-31 23:59:00", "source_ip": "10.1.2.3"},
    ]
    return envelopes, late, bare


def most_common(settings, table: str, column: str):
    """The value of `column` most rows of `table` hold (nulls aside; ties: the smallest)."""
    (value,) = query(
        settings,
        f"select {column} from {table} where {column} is not null "
        "group by all order by count(*) desc, 1 limit 1",
    )[0].values()
    return value


def drop_a_country(settings) -> int:
    """Export ip_to_geo again (same path) without the networks of the country most pings came
    from: those pings' country changes although their payloads do not. Returns that country."""
    country = most_common(settings, "prep.prep_ping_instance", "dim_location_country_id")
    blocks = settings.landing_dir / "ip_to_geo" / "blocks_ipv4.csv"
    lines = blocks.read_text().splitlines(keepends=True)
    kept = [line for line in lines if str(country) not in line.split(",")[1:3]]
    assert len(kept) < len(lines)
    blocks.write_text("".join(kept))
    return country


def drop_a_health_score_flag(settings) -> str:
    """Edit the metrics dictionary (same file) so that a metric the mart holds is no longer a
    health-score metric: its rows change in every month, its values do not. Returns its key path."""
    held = {
        row["metric_key_path"]
        for row in query(
            settings,
            "select distinct metric_key_path from marts.mart_ping_instance_metric_monthly "
            "where is_health_score_metric",
        )
    }
    for definition in sorted((settings.landing_dir / "metrics_dictionary").rglob("*.yml")):
        text = definition.read_text()
        key_path = next(
            (line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("key_path:")),
            None,
        )
        if key_path in held and "- customer_health_score\n" in text:
            definition.write_text(text.replace("- customer_health_score\n", "", 1))
            return key_path
    raise AssertionError("no health-score metric in the mart to edit")


def correct_a_release_date(settings) -> str:
    """Export the release list again (same path) with the release most pings run moved three
    days earlier: those pings' days since release change although no ping does. Returns it."""
    version = most_common(settings, "common.dim_ping_instance", "major_minor_version")
    releases = settings.landing_dir / "releases" / "releases.csv"
    lines = releases.read_text().splitlines(keepends=True)
    for index, line in enumerate(lines):
        name, released = line.strip().split(",")
        if name == version:
            earlier = dt.date.fromisoformat(released) - dt.timedelta(days=3)
            lines[index] = f"{name},{earlier}\n"
            releases.write_text("".join(lines))
            return version
    raise AssertionError(f"{version} is not in {releases}")


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("ping_incremental")
    generated = root / "generated"
    generate(generated, instances=10, months=2, seed=5, end_date=END_DATE, extra_keys=20)
    folders = sorted((generated / "service_ping").iterdir())
    history = [f for f in folders if dt.date.fromisoformat(f.name) < NEW_WEEK_FROM]
    new_week = [f for f in folders if dt.date.fromisoformat(f.name) >= NEW_WEEK_FROM]
    envelopes, late, bare = redeliveries(history)
    extra = root / "redelivered" / NEW_WEEK_FROM.isoformat()
    extra.mkdir(parents=True)
    (extra / "redelivered.ndjson").write_text("".join(json.dumps(e) + "\n" for e in envelopes))

    incremental = settings_for(root / "incremental")
    shutil.copytree(generated, incremental.landing_dir, ignore=shutil.ignore_patterns("service_ping"))
    for folder in history:
        shutil.copytree(folder, incremental.landing_dir / "service_ping" / folder.name)
    load_raw(incremental)
    dbt_build(incremental, SELECT, tmp_dir=root / "history")
    before = snapshot(incremental)

    country = drop_a_country(incremental)
    corrected = correct_a_release_date(incremental)
    for folder in new_week:
        shutil.copytree(folder, incremental.landing_dir / "service_ping" / folder.name)
    shutil.copytree(extra, incremental.landing_dir / "service_ping" / extra.name, dirs_exist_ok=True)
    load_raw(incremental)
    dbt_build(incremental, SELECT, tmp_dir=root / "week")
    after = snapshot(incremental)
    dbt_build(incremental, SELECT, tmp_dir=root / "again")
    again = snapshot(incremental)
    # A dictionary edit on its own build: it restates every month holding the metric, which
    # would hide a month the week's build failed to restate.
    unflagged = drop_a_health_score_flag(incremental)
    load_raw(incremental)
    dbt_build(incremental, SELECT, tmp_dir=root / "dictionary")
    edited = snapshot(incremental)

    full = settings_for(root / "full")
    shutil.copytree(incremental.landing_dir, full.landing_dir)
    load_raw(full)
    dbt_build(full, SELECT, tmp_dir=root / "full_refresh")
    return {
        "incremental": incremental,
        "full": full,
        "before": before,
        "after": after,
        "again": again,
        "edited": edited,
        "late": late,
        "bare": bare,
        "country": country,
        "unflagged": unflagged,
        "corrected": corrected,
    }


@pytest.mark.parametrize("table", TABLES.values())
def test_one_more_week_equals_a_full_refresh_row_for_row(builds, table):
    incremental, full = rows(builds["incremental"], table), rows(builds["full"], table)
    assert len(incremental) > 50
    assert incremental == full


def by_id(table_rows: list[dict], key: str) -> dict:
    return {row[key]: row for row in table_rows}


def test_pings_already_there_are_rewritten_only_where_a_full_refresh_differs(builds):
    before = by_id(builds["before"]["prep_ping_instance"], "dim_ping_instance_id")
    after = by_id(builds["after"]["prep_ping_instance"], "dim_ping_instance_id")
    (history_run,) = {row["_dbt_invocation_id"] for row in before.values()}
    late = builds["late"]
    moved = [
        ping_id
        for ping_id, row in after.items()
        if (row["uuid"], row["hostname"]) == (late["uuid"], late["hostname"])
        and row["has_envelope"]
        and ping_id in before
        and not before[ping_id]["has_envelope"]
    ]
    # The late copy's receipt (a day earlier, in an envelope) is now the ping's first receipt.
    assert len(moved) == 1
    assert after[moved[0]]["ping_created_at"] < before[moved[0]]["ping_created_at"]
    # The new ip_to_geo export moved the pings of one country (payloads not read again).
    recountried = [
        ping_id for ping_id, row in before.items() if row["dim_location_country_id"] == builds["country"]
    ]
    assert recountried and all(
        after[ping_id]["dim_location_country_id"] != builds["country"] for ping_id in recountried
    )
    assert all(after[ping_id]["_dbt_invocation_id"] != history_run for ping_id in recountried)
    unchanged = {ping_id: row for ping_id, row in before.items() if ping_id not in moved + recountried}
    assert len(unchanged) > 40
    assert all(after[ping_id] == row for ping_id, row in unchanged.items())
    assert all(row["_dbt_invocation_id"] == history_run for row in unchanged.values())
    # The payload delivered again added no ping: only the new week's pings are new.
    new = [row for ping_id, row in after.items() if ping_id not in before]
    assert new and all(row["ping_created_at"].date() >= NEW_WEEK_FROM for row in new)


def test_months_before_the_new_pings_are_not_rewritten(builds):
    before, after = builds["before"]["monthly"], builds["after"]["monthly"]
    (history_run,) = {row["_dbt_invocation_id"] for row in before}
    september = dt.date(2026, 9, 1)
    kept_before = [row for row in before if row["snapshot_month"] == september]
    kept_after = [row for row in after if row["snapshot_month"] == september]
    assert kept_before and kept_after == kept_before
    assert {row["_dbt_invocation_id"] for row in kept_after} == {history_run}
    # October's last pings changed (the new week's October days, the late copy): rebuilt; November is new.
    rewritten = [row for row in after if row["_dbt_invocation_id"] != history_run]
    assert {row["snapshot_month"] for row in rewritten} == {dt.date(2026, 10, 1), dt.date(2026, 11, 1)}
    # All-time values of the first rebuilt month take the increase over September's value, read
    # from the table.
    september_values = {
        (row["dim_installation_id"], row["metrics_path"]): row["metric_value"]
        for row in kept_after
        if row["metric_value"] is not None
    }
    october_all_time = [
        row
        for row in rewritten
        if row["snapshot_month"] == dt.date(2026, 10, 1) and row["time_frame"] == "all"
    ]
    assert october_all_time
    for row in october_all_time:
        assert row["previous_metric_value"] == september_values.get(
            (row["dim_installation_id"], row["metrics_path"])
        )


def test_a_dictionary_edit_restates_the_metric_in_every_month_of_the_mart(builds):
    def flags(snapshot):
        return {
            row["is_health_score_metric"]
            for row in snapshot["mart"]
            if row["metric_key_path"] == builds["unflagged"] and row["snapshot_month"] < dt.date(2026, 10, 1)
        }

    assert flags(builds["after"]) == {True}
    assert flags(builds["edited"]) == {False}  # September's rows too, which no new ping touches


def test_a_corrected_release_date_restates_the_months_of_its_pings(builds):
    def days(snapshot):
        return {
            (row["dim_installation_id"], row["snapshot_month"]): row["days_since_release"]
            for row in snapshot["mart"]
            if row["major_minor_version"] == builds["corrected"]
            and row["snapshot_month"] < dt.date(2026, 10, 1)
        }

    before, after = days(builds["before"]), days(builds["after"])
    assert before and set(after) == set(before)
    # September's rows too, which no new ping and no rewritten monthly value touches.
    assert all(after[month] == before[month] + 3 for month in before)


def test_a_build_without_new_files_writes_nothing(builds):
    assert builds["again"] == builds["after"]


def test_a_month_whose_new_last_ping_has_no_metric_loses_its_rows(builds):
    bare = builds["bare"]
    installation = query(
        builds["incremental"],
        "select distinct dim_installation_id from prep.prep_ping_instance where uuid = ? and hostname = ?",
        [bare["uuid"], bare["hostname"]],
    )[0]["dim_installation_id"]
    october = dt.date(2026, 10, 1)

    def october_rows(snapshot):
        return [
            row
            for row in snapshot["monthly"]
            if row["dim_installation_id"] == installation and row["snapshot_month"] == october
        ]

    assert october_rows(builds["before"]) and not october_rows(builds["after"])


@pytest.mark.parametrize("table", [TABLES["monthly"], TABLES["mart"]])
def test_a_full_build_stores_the_monthly_tables_month_after_month(builds, table):
    # A delivery replaces the current month: stored month after month (the order a full build
    # inserts in, rowid here), its delete leaves the other months' row groups alone.
    (stored,) = query(
        builds["full"],
        f"""
        select count(distinct snapshot_month) as months,
            count(*) filter (where snapshot_month < previous_month) as out_of_order
        from (select snapshot_month, lag(snapshot_month) over (order by rowid) as previous_month from {table})
        """,
    )
    assert stored == {"months": 3, "out_of_order": 0}
