"""dim_crm_account (hierarchy, owner, deleted accounts) and dim_billing_account against the
Salesforce and Zuora exports; a broken or looping parent chain fails the build."""

from __future__ import annotations

import duckdb
import pytest

from tests.commercial.commercial_landing import GOLDEN_PARENT, GRANDCHILD, expected_crm_accounts, read_csv
from tests.conftest import dbt_build, load_raw, settings_for


def test_crm_accounts_with_ultimate_parent_direct_parent_and_owner(zone, warehouse):
    expected = expected_crm_accounts(zone.landing)
    rows = warehouse.execute(
        "select dim_crm_account_id, dim_parent_crm_account_id, dim_crm_account_id_immediate_parent,"
        " crm_account_hierarchy_depth, crm_account_owner, is_deleted from common.dim_crm_account"
    ).fetchall()
    actual = {account: tuple(rest) for account, *rest in rows}
    assert actual == {
        account: (e.ultimate_parent_id, e.immediate_parent_id, e.depth, e.owner_name, e.is_deleted)
        for account, e in expected.items()
    }
    assert any(e.is_deleted for e in expected.values()), "the generator plants a deleted account"
    parent_name, depth, is_top = warehouse.execute(
        "select parent_crm_account_name, crm_account_hierarchy_depth, is_ultimate_parent_account"
        f" from common.dim_crm_account where dim_crm_account_id = '{GRANDCHILD}'"
    ).fetchone()
    assert (parent_name, depth, is_top) == (GOLDEN_PARENT, 2, False)


def test_billing_accounts_bill_their_crm_account(zone, warehouse):
    expected = {
        row["Id"]: (row["AccountNumber"], row["Name"], row["CrmId"] or None, row["Batch"] or None)
        for row in read_csv(zone.landing / "zuora/account.csv")
    }
    actual = {
        account: tuple(rest)
        for account, *rest in warehouse.execute(
            "select dim_billing_account_id, billing_account_number, billing_account_name, dim_crm_account_id,"
            " batch"
            " from common.dim_billing_account"
        ).fetchall()
    }
    assert actual == expected


ACCOUNT_HEADER = (
    "Id,Name,ParentId,BillingCountry,BillingCountryCode,Industry,Type,OwnerId,NumberOfEmployees,"
    "CreatedDate,LastModifiedDate,IsDeleted\n"
)


def _account(account_id: str, parent: str = "") -> str:
    return f"{account_id},Account {account_id},{parent},Germany,DE,Energy,Customer,005A,10,,,false\n"


def test_a_broken_or_looping_parent_chain_fails_the_build(tmp_path):
    settings = settings_for(tmp_path / "data")
    salesforce = settings.landing_dir / "salesforce"
    salesforce.mkdir(parents=True)
    (salesforce / "account.csv").write_text(
        ACCOUNT_HEADER
        + _account("001TOP")
        + _account("001CHILD", "001TOP")
        + _account("001ORPHAN", "001MISSING")  # its parent is not in the export
        + _account("001LOOP1", "001LOOP2")  # a loop: neither has an ultimate parent
        + _account("001LOOP2", "001LOOP1")
    )
    (salesforce / "user.csv").write_text(
        "Id,Name,Email,IsActive,Title,UserRoleId,CreatedDate\n005A,Ana,,true,,,\n"
    )
    load_raw(settings)
    with pytest.raises(pytest.fail.Exception, match="not_null_prep_crm_account_dim_parent_crm_account_id"):
        dbt_build(settings, "prep_crm_account", tmp_dir=tmp_path)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        tops = dict(
            conn.execute(
                "select dim_crm_account_id, dim_parent_crm_account_id from prep.prep_crm_account"
            ).fetchall()
        )
    assert tops == {
        "001TOP": "001TOP",
        "001CHILD": "001TOP",
        "001ORPHAN": None,
        "001LOOP1": None,
        "001LOOP2": None,
    }
