"""A week later: the same seed and months with an end date seven days on is the same world, exported later.

Service Ping folders of earlier days stay byte-identical (a sensor sees only new files); whole-table exports
keep every earlier row and only gain what happened in the new week (or what the week completed)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.synthetic.conftest import SMALLEST
from usage_platform.synthetic import generate
from usage_platform.synthetic.config import GeneratorConfig

END = dt.date(2026, 10, 31)  # the generator's default end date, which the small landing uses
NEXT_WEEK = END + dt.timedelta(days=7)


def digests(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def rows(root: Path, relative: str) -> list[dict[str, str]]:
    with (root / relative).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def pair(week, relative: str, key: str = "id") -> tuple[dict[str, dict], dict[str, dict]]:
    """The export's rows by id: (at END, at NEXT_WEEK)."""
    before, after, _ = week
    return tuple({row[key]: row for row in rows(root, relative)} for root in (before, after))


@pytest.fixture(scope="module")
def week(tmp_path_factory, seed, small_landing):
    """(landing at END, landing at NEXT_WEEK, summary of the later one)."""
    assert small_landing.summary.end_date == END
    later = tmp_path_factory.mktemp("next_week")
    summary = generate(later, seed=seed, end_date=NEXT_WEEK, **SMALLEST)
    return small_landing.root, later, summary


def test_earlier_service_ping_files_are_byte_identical_and_new_ones_are_the_new_week(week):
    before, after, summary = week
    old, new = digests(before), digests(after)
    old_pings = {name: digest for name, digest in old.items() if name.startswith("service_ping/")}
    assert old_pings and all(new.get(name) == digest for name, digest in old_pings.items())
    added = {name for name in new if name not in old}
    assert added and all(name.startswith("service_ping/") for name in added), sorted(added)
    folders = {dt.date.fromisoformat(name.split("/")[1]) for name in added}
    assert all(END < day <= NEXT_WEEK for day in folders), sorted(folders)
    assert len(folders) >= 4, "ten instances ping on most days of a week"
    assert summary.start_date == dt.date(2026, 9, 1) and summary.end_date == NEXT_WEEK


def test_exports_that_do_not_move_with_time_are_unchanged(week):
    before, after, _ = week
    old, new = digests(before), digests(after)
    for name in (
        "salesforce/account.csv",
        "salesforce/user.csv",
        "zuora/product.csv",
        "gainsight/instance_info.csv",
        "ip_to_geo/blocks_ipv4.csv",
        "releases/releases.csv",  # no release between the two end dates (19.6 is on 2026-11-19)
    ):
        assert old[name] == new[name], name
    assert all(new[name] == digest for name, digest in old.items() if name.startswith("metrics_dictionary/"))


def test_seat_link_keeps_its_rows_and_adds_the_new_days(week):
    before, after, _ = week
    old, new = (rows(root, "customers_db/license_seat_links.csv") for root in (before, after))
    assert new[: len(old)] == old
    added = new[len(old) :]
    assert added and all(END < dt.date.fromisoformat(row["report_date"]) <= NEXT_WEEK for row in added)


def test_billing_exports_keep_every_row_and_only_add_what_the_week_created(week):
    for relative, created in (
        ("customers_db/licenses.csv", "created_at"),
        ("customers_db/orders.csv", "created_at"),
        ("zuora/rate_plan_charge.csv", None),
    ):
        old, new = pair(week, relative, "Id" if relative.startswith("zuora/") else "id")
        assert all(new[i] == row for i, row in old.items()), relative
        if created:
            assert all(new[i][created][:10] > END.isoformat() for i in set(new) - set(old)), relative
    old, new = pair(week, "zuora/subscription.csv", "Id")
    for version_id, row in old.items():  # a version's UpdatedDate moves when the next version arrives
        assert {**new[version_id], "UpdatedDate": ""} == {**row, "UpdatedDate": ""}
    assert all(END.isoformat() < new[i]["CreatedDate"][:10] for i in set(new) - set(old))


def test_gitlab_dotcom_activity_keeps_history_and_completes_merges_and_closes(week):
    before, after, _ = week
    cutoff = f"{END.isoformat()} 23:59:59"
    old, new = pair(week, "gitlab_dotcom/users.csv")
    assert set(old) == set(new)
    old, new = pair(week, "gitlab_dotcom/ci_pipelines.csv")
    assert all(new[i] == row for i, row in old.items())
    assert {i for i, row in new.items() if row["created_at"] <= cutoff} == set(old) and len(new) > len(old)
    old, new = pair(week, "gitlab_dotcom/merge_requests.csv")
    assert {i for i, row in new.items() if row["created_at"] <= cutoff} == set(old)
    for i, row in old.items():
        if new[i]["merged_at"] and new[i]["merged_at"] > cutoff:  # merged in the new week: open before
            assert (row["state_id"], row["merged_at"]) == ("1", "")
        else:
            assert new[i] == row
    old, new = pair(week, "gitlab_dotcom/issues.csv")
    for i, row in old.items():
        closed_later = new[i]["closed_at"] > cutoff
        assert row == ({**new[i], "closed_at": ""} if closed_later else new[i])
    old_events = pq.read_table(before / "gitlab_dotcom" / "events.parquet").to_pylist()
    new_events = pq.read_table(after / "gitlab_dotcom" / "events.parquet").to_pylist()
    limit = dt.datetime.combine(END, dt.time(23, 59, 59))
    assert [e for e in new_events if e["created_at"] <= limit] == old_events
    assert len(new_events) > len(old_events)


@pytest.mark.parametrize(
    ("end_date", "start", "anchor"),
    [
        (dt.date(2026, 10, 31), dt.date(2026, 9, 1), dt.date(2026, 10, 31)),  # a month end anchors itself
        (dt.date(2026, 11, 7), dt.date(2026, 9, 1), dt.date(2026, 10, 31)),  # a week later: same world
        (dt.date(2026, 11, 29), dt.date(2026, 9, 1), dt.date(2026, 10, 31)),
        (dt.date(2026, 11, 30), dt.date(2026, 10, 1), dt.date(2026, 11, 30)),  # the next month end: a new one
        (dt.date(2024, 2, 29), dt.date(2024, 1, 1), dt.date(2024, 2, 29)),
        (dt.date(2024, 3, 1), dt.date(2024, 1, 1), dt.date(2024, 2, 29)),
    ],
)
def test_the_range_is_whole_months_to_the_last_month_end_plus_the_days_after(end_date, start, anchor):
    config = GeneratorConfig(months=2, end_date=end_date)
    assert (config.start_date, config.anchor_date) == (start, anchor)
    assert config.anchor_date <= end_date < config.horizon_date
