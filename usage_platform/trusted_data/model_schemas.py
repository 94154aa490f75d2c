"""Pandera schemas of the dimensions and the Gainsight pump: what each must look like to be trusted.

The dbt tests already say which keys are unique and not null, which values are accepted and which
rows relate. These schemas check what no single-column test can:

- the expected columns exist (a missing column fails the check: the TDF "schema" test);
- cross-column rules (`Rule`): term_end_date >= term_start_date, the version parts agree with the
  version string, the installation id is the md5 of uuid and hostname, license_utilization =
  billable / licensed users, ... Each rule is evaluated on the frame by a Pandera parser into a
  column of its own (named after the rule) that holds, for each row breaking the rule, the values
  involved; the rule's check fails on every such row, so the failure cases show the rule, the
  values and the row's key, and every broken row counts once;
- shapes and value sets of source identifiers the dbt tests do not cover (WARN).

Severity: a rule that restates how the model computes a column (the model is wrong if it breaks) is
ERROR; what source data may legitimately get wrong (dates out of order in a CRM, a status outside
the documented set) is WARN (`warn=True`). Columns are `Series[Any]`, nullable: types are the
warehouse's (the column schema change checks watch them) and nullability is the dbt tests' job.

`MODEL_SCHEMAS` maps each model to its schema and the columns that name a failing row.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.pandas import DataFrameModel
from pandera.typing import Series

from usage_platform.settings import DBT_PROJECT_DIR
from usage_platform.trusted_data.raw_schemas import (
    CURRENCY_CODE,
    MD5,
    SALESFORCE_ID,
    SHA256,
    SUBSCRIPTION_NAME,
    UUID,
    ZUORA_ACCOUNT_STATUSES,
    ZUORA_ID,
    ZUORA_SUBSCRIPTION_STATUSES,
    ZUORA_TERM_TYPES,
)

PRODUCT_TIERS = ("Free", "Starter", "Premium", "Ultimate")
SAAS_DEPLOYMENTS = ("GitLab.com", "Dedicated")
MAPPING_SOURCES = {
    "is_mapped_by_md5": "license_md5",
    "is_mapped_by_sha256": "license_sha256",
    "is_mapped_by_subscription_id": "license_subscription_id",
}
PUMP_METRICS_SEED = DBT_PROJECT_DIR / "seeds" / "gainsight_pump_metrics.csv"


# -- rules -----------------------------------------------------------------------------------------
class RuleError(RuntimeError):
    """A rule raised on the data instead of saying whether it holds."""


@dataclass(frozen=True)
class Rule:
    """A rule across columns. `holds(frame)` returns, per row, whether the rule holds; it sees only
    the rows where every column of `columns` has a value unless `needs_values=False` (rules about
    which columns are null). `columns` are also what a failure case shows."""

    name: str
    text: str
    columns: tuple[str, ...]
    holds: Callable[[pd.DataFrame], pd.Series]
    warn: bool = False
    needs_values: bool = True

    def column(self) -> pa.Column:
        # Pandera drops nulls before a check: every value left is a broken row.
        broken = pa.Check(lambda values: values.isna(), name=self.text, raise_warning=self.warn)
        return pa.Column(nullable=True, checks=[broken], required=False)

    def evaluate(self, frame: pd.DataFrame) -> pd.Series:
        """The rule's column: null where the rule holds, the values involved where it is broken."""
        result = pd.Series(None, index=frame.index, dtype=object)
        if any(column not in frame.columns for column in self.columns):
            return result  # a missing column is reported as such (column_in_dataframe)
        rows = frame[frame[list(self.columns)].notna().all(axis=1)] if self.needs_values else frame
        if rows.empty:
            return result
        try:
            holds = pd.Series(self.holds(rows), index=rows.index).astype("boolean").fillna(True)
        except Exception as error:  # a rule that cannot read the data says which rule it is
            raise RuleError(f"rule {self.name} ({self.text}) could not be evaluated: {error!r}") from error
        broken = frame.loc[rows.index[~holds.to_numpy(dtype=bool)], list(self.columns)]
        if not broken.empty:
            shown = [f"{name}=" + broken[name].map(show_value) for name in self.columns]
            result[broken.index] = shown[0].str.cat(shown[1:], sep=", ") if len(shown) > 1 else shown[0]
        return result


def rule(
    name: str, text: str, columns: Sequence[str], holds: Callable, *, warn=False, needs_values=True
) -> Rule:
    return Rule(name, text, tuple(columns), holds, warn, needs_values)


def _evaluate_rules(rules: Sequence[Rule], frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(**{r.name: r.evaluate(frame) for r in rules})


class ModelRows(DataFrameModel):
    """A built model's rows: its columns (by name, any type) and its `rules`."""

    _rules: tuple[Rule, ...] = ()  # the model's Rules (a leading _ keeps Pandera from taking it for a column)

    @classmethod
    def rule_texts(cls) -> frozenset[str]:
        """The names of the rules' checks: each judges a row alone (`Rule.evaluate`)."""
        return frozenset(r.text for r in cls._rules)

    class Config:
        strict = False
        coerce = False

    @classmethod
    def build_schema_(cls, **kwargs):
        schema = super().build_schema_(**kwargs)
        if not cls._rules:
            return schema
        clashes = sorted({r.name for r in cls._rules} & set(schema.columns))
        if clashes or len({r.name for r in cls._rules}) != len(cls._rules):
            raise ValueError(f"{cls.__name__}: rule names must be unique and no column's: {clashes}")
        schema = schema.add_columns({r.name: r.column() for r in cls._rules})
        schema.parsers = [*schema.parsers, pa.Parser(functools.partial(_evaluate_rules, cls._rules))]
        return schema


def rule_names(model: type[ModelRows]) -> list[str]:
    return [r.name for r in model._rules]


def model_columns(model: type[ModelRows]) -> list[str]:
    """The model's own columns (what the built table must have), without the rule columns."""
    rules = set(rule_names(model))
    return [name for name in model.to_schema().columns if name not in rules]


# -- field helpers ---------------------------------------------------------------------------------
def column(**checks: Any) -> Any:
    return pa.Field(nullable=True, **checks)


def shaped(regex: str) -> Any:
    """A source identifier's shape: WARN when it differs."""
    return pa.Field(nullable=True, str_matches=regex, raise_warning=True)


def one_of(values: Sequence[str]) -> Any:
    """A value of a set the source documents: WARN when outside it."""
    return pa.Field(nullable=True, isin=list(values), raise_warning=True)


def counted() -> Any:
    """A count: never negative (Service Ping sentinels are nulled in prep)."""
    return pa.Field(nullable=True, ge=0)


# -- vectorised helpers for rules ------------------------------------------------------------------
def md5_of(*series: pd.Series) -> pd.Series:
    """What the dbt macro hash_key computes: md5 of the values as text joined by '|', nulls as '<null>'."""
    texts = [s.map(_as_key_text) for s in series]
    joined = texts[0].str.cat(texts[1:], sep="|") if len(texts) > 1 else texts[0]
    return joined.map(lambda text: hashlib.md5(text.encode()).hexdigest())


def datetimes(values: pd.Series) -> pd.Series:
    """Dates or timestamps as datetime64. Without cache=False pandas first samples the values for
    a conversion cache, turning 10,000 of them into Python objects: ~40 ms a call, for columns
    DuckDB already hands over as datetime64."""
    return pd.to_datetime(values, cache=False)


def month_start(dates: pd.Series) -> pd.Series:
    return datetimes(dates).dt.to_period("M").dt.start_time


def day(values: pd.Series) -> pd.Series:
    return datetimes(values).dt.normalize()


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Month boundaries crossed from start to end (what the warehouse's datediff('month') counts)."""
    start, end = datetimes(start), datetimes(end)
    return (end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)


def truth(flags: pd.Series) -> pd.Series:
    """A boolean column as plain booleans, null as false."""
    return flags.astype("boolean").fillna(False).astype(bool)


def same(left: pd.Series, right: pd.Series) -> pd.Series:
    """Equal, with null equal to null."""
    return (left == right) | (left.isna() & right.isna())


def has(values: pd.Series, item: str) -> pd.Series:
    return values.map(lambda listed: listed is not None and item in list(listed))


def tier_short_name(names: pd.Series) -> pd.Series:
    """The part after ' - ' ('Self-Managed - Ultimate' -> 'Ultimate'), the whole name without one."""
    parts = names.str.split(" - ", n=1)
    return parts.map(lambda p: p[-1])


def tier_ranking(historical: pd.Series) -> pd.Series:
    ranks = {
        "SaaS - Gold": 3,
        "Self-Managed - Ultimate": 3,
        "SaaS - Ultimate": 3,
        "Dedicated - Ultimate": 3,
        "SaaS - Silver": 2,
        "Self-Managed - Premium": 2,
        "SaaS - Premium": 2,
        "SaaS - Bronze": 1,
        "Self-Managed - Starter": 1,
    }
    return historical.map(lambda name: ranks.get(name, 0))


def delivery_fits_deployment(delivery: pd.Series, deployment: pd.Series) -> pd.Series:
    saas = deployment.isin(SAAS_DEPLOYMENTS)
    return ((delivery == "SaaS") == saas) & ((delivery == "Self-Managed") == (deployment == "Self-Managed"))


def _as_key_text(value: object) -> str:
    if value is None or (not isinstance(value, (list, np.ndarray)) and pd.isna(value)):
        return "<null>"
    return str(value)


def show_value(value: object) -> str:
    if value is None or (not isinstance(value, (list, np.ndarray)) and pd.isna(value)):
        return "null"
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.ndarray):
        return str(list(value))
    return str(value)


# -- dimensions ------------------------------------------------------------------------------------
class DimAppReleaseMajorMinor(ModelRows):
    """GitLab releases: version parts agree, ranks follow release dates, one next release each."""

    dim_app_release_major_minor_sk: Series[Any] = column()
    major_minor_version: Series[Any] = column(str_matches=r"^\d+\.\d+$")
    major_version: Series[Any] = column(ge=0)
    minor_version: Series[Any] = column(ge=0)
    major_minor_version_num: Series[Any] = column()
    release_date: Series[Any] = column()
    version_number: Series[Any] = column(ge=1)
    next_version_release_date: Series[Any] = column()
    is_latest_release: Series[Any] = column()

    _rules = (
        rule(
            "version_parts",
            "major_minor_version = major_version.minor_version",
            ("major_minor_version", "major_version", "minor_version"),
            lambda f: (
                f.major_minor_version
                == f.major_version.astype("int64").astype(str)
                + "."
                + f.minor_version.astype("int64").astype(str)
            ),
        ),
        rule(
            "version_num",
            "major_minor_version_num = major_version * 100 + minor_version",
            ("major_minor_version_num", "major_version", "minor_version"),
            lambda f: f.major_minor_version_num == f.major_version * 100 + f.minor_version,
        ),
        rule(
            "next_release_later",
            "next_version_release_date >= release_date",
            ("release_date", "next_version_release_date"),
            lambda f: f.next_version_release_date >= f.release_date,
        ),
        rule(
            "latest_has_no_next",
            "is_latest_release = (next_version_release_date is null)",
            ("is_latest_release", "next_version_release_date"),
            lambda f: f.is_latest_release == f.next_version_release_date.isna(),
            needs_values=False,
        ),
        rule(
            "rank_by_release_date",
            "version_number = rank by (release_date, major_minor_version_num)",
            ("version_number", "release_date", "major_minor_version"),
            lambda f: (
                f.version_number
                == f.sort_values(["release_date", "major_minor_version_num"])
                .assign(rank=range(1, len(f) + 1))["rank"]
                .reindex(f.index)
            ),
        ),
    )

    class Config:
        name = "common.dim_app_release_major_minor"


class DimBillingAccount(ModelRows):
    """Zuora billing accounts: identifiers shaped as Zuora and Salesforce make them."""

    dim_billing_account_id: Series[Any] = shaped(ZUORA_ID)
    dim_crm_account_id: Series[Any] = shaped(SALESFORCE_ID)
    billing_account_number: Series[Any] = shaped(r"^A\d{8}$")
    billing_account_name: Series[Any] = column()
    billing_account_status: Series[Any] = one_of(ZUORA_ACCOUNT_STATUSES)
    currency: Series[Any] = shaped(CURRENCY_CODE)
    batch: Series[Any] = column()
    bill_to_contact_id: Series[Any] = column()
    sold_to_contact_id: Series[Any] = column()
    created_at: Series[Any] = column()
    updated_at: Series[Any] = column()

    _rules = (
        rule(
            "updated_after_created",
            "updated_at >= created_at",
            ("created_at", "updated_at"),
            lambda f: f.updated_at >= f.created_at,
            warn=True,
        ),
    )

    class Config:
        name = "common.dim_billing_account"


class DimCrmAccount(ModelRows):
    """Salesforce accounts: the hierarchy columns agree with each other."""

    dim_crm_account_id: Series[Any] = shaped(SALESFORCE_ID)
    crm_account_name: Series[Any] = column()
    crm_account_type: Series[Any] = column()
    crm_account_industry: Series[Any] = column()
    crm_account_billing_country: Series[Any] = column()
    crm_account_billing_country_code: Series[Any] = shaped(r"^[A-Z]{2}$")
    crm_account_employee_count: Series[Any] = pa.Field(nullable=True, ge=0, raise_warning=True)
    dim_parent_crm_account_id: Series[Any] = column()
    parent_crm_account_name: Series[Any] = column()
    parent_crm_account_billing_country: Series[Any] = column()
    parent_crm_account_industry: Series[Any] = column()
    dim_crm_account_id_immediate_parent: Series[Any] = column()
    immediate_parent_crm_account_name: Series[Any] = column()
    crm_account_hierarchy_depth: Series[Any] = column(ge=0)
    is_ultimate_parent_account: Series[Any] = column()
    dim_crm_user_id: Series[Any] = column()
    crm_account_owner: Series[Any] = column()
    crm_account_owner_title: Series[Any] = column()
    is_crm_account_owner_active: Series[Any] = column()
    crm_account_created_date: Series[Any] = column()
    crm_account_last_modified_at: Series[Any] = column()
    is_deleted: Series[Any] = column()

    _rules = (
        rule(
            "ultimate_parent_flag",
            "is_ultimate_parent_account = (dim_parent_crm_account_id = dim_crm_account_id)",
            ("is_ultimate_parent_account", "dim_crm_account_id", "dim_parent_crm_account_id"),
            lambda f: f.is_ultimate_parent_account == (f.dim_parent_crm_account_id == f.dim_crm_account_id),
        ),
        rule(
            "top_level_depth",
            "crm_account_hierarchy_depth = 0 exactly when there is no immediate parent",
            ("crm_account_hierarchy_depth", "dim_crm_account_id_immediate_parent"),
            lambda f: (
                f.crm_account_hierarchy_depth.isna()
                | ((f.crm_account_hierarchy_depth == 0) == f.dim_crm_account_id_immediate_parent.isna())
            ),
            needs_values=False,
        ),
        rule(
            "depth_zero_is_own_parent",
            "crm_account_hierarchy_depth = 0 exactly when the account is its own ultimate parent",
            ("crm_account_hierarchy_depth", "dim_crm_account_id", "dim_parent_crm_account_id"),
            lambda f: (
                (f.crm_account_hierarchy_depth == 0) == (f.dim_parent_crm_account_id == f.dim_crm_account_id)
            ),
        ),
        rule(
            "not_own_immediate_parent",
            "dim_crm_account_id_immediate_parent <> dim_crm_account_id",
            ("dim_crm_account_id", "dim_crm_account_id_immediate_parent"),
            lambda f: f.dim_crm_account_id_immediate_parent != f.dim_crm_account_id,
        ),
        rule(
            "top_level_parent_name",
            "an ultimate parent's parent_crm_account_name is its own name",
            ("is_ultimate_parent_account", "crm_account_name", "parent_crm_account_name"),
            lambda f: (
                ~truth(f.is_ultimate_parent_account) | (f.parent_crm_account_name == f.crm_account_name)
            ),
        ),
        rule(
            "modified_after_created",
            "crm_account_last_modified_at >= crm_account_created_date",
            ("crm_account_created_date", "crm_account_last_modified_at"),
            lambda f: day(f.crm_account_last_modified_at) >= day(f.crm_account_created_date),
            warn=True,
        ),
    )

    class Config:
        name = "common.dim_crm_account"


class DimDate(ModelRows):
    """The calendar: every attribute follows from date_day, GitLab's fiscal year starts in February."""

    date_id: Series[Any] = column()
    date_day: Series[Any] = column()
    date_actual: Series[Any] = column()
    day_name: Series[Any] = column()
    day_of_week: Series[Any] = column()
    day_of_month: Series[Any] = column()
    day_of_year: Series[Any] = column()
    month_actual: Series[Any] = column()
    month_name: Series[Any] = column()
    quarter_actual: Series[Any] = column()
    year_actual: Series[Any] = column()
    first_day_of_week: Series[Any] = column()
    last_day_of_week: Series[Any] = column()
    first_day_of_month: Series[Any] = column()
    last_day_of_month: Series[Any] = column()
    first_day_of_quarter: Series[Any] = column()
    last_day_of_quarter: Series[Any] = column()
    first_day_of_year: Series[Any] = column()
    last_day_of_year: Series[Any] = column()
    day_of_quarter: Series[Any] = column()
    fiscal_year: Series[Any] = column()
    fiscal_quarter: Series[Any] = column()
    month_of_fiscal_year: Series[Any] = column()
    fiscal_quarter_name: Series[Any] = column()
    fiscal_quarter_name_fy: Series[Any] = column()
    fiscal_month_name_fy: Series[Any] = column()
    first_day_of_fiscal_quarter: Series[Any] = column()
    last_day_of_fiscal_quarter: Series[Any] = column()
    first_day_of_fiscal_year: Series[Any] = column()
    last_day_of_fiscal_year: Series[Any] = column()
    day_of_fiscal_quarter: Series[Any] = column()
    day_of_fiscal_year: Series[Any] = column()

    _rules = (
        rule(
            "date_parts",
            "date_id, date_actual, year, quarter, month, day of month and of year are those of date_day",
            ("date_day", "date_id", "year_actual", "month_actual", "day_of_month"),
            lambda f: (
                (f.date_id == f.date_day.dt.strftime("%Y%m%d").astype("int64"))
                & (day(f.date_actual) == day(f.date_day))
                & (f.year_actual == f.date_day.dt.year)
                & (f.quarter_actual == f.date_day.dt.quarter)
                & (f.month_actual == f.date_day.dt.month)
                & (f.day_of_month == f.date_day.dt.day)
                & (f.day_of_year == f.date_day.dt.dayofyear)
            ),
        ),
        rule(
            "week",
            "day_of_week 1 = Sunday .. 7 = Saturday, day_name, and the week runs Monday to Sunday",
            ("date_day", "day_of_week", "day_name", "first_day_of_week"),
            lambda f: (
                (f.day_of_week == (f.date_day.dt.dayofweek + 1) % 7 + 1)
                & (f.day_name == f.date_day.dt.day_name())
                & (
                    day(f.first_day_of_week)
                    == f.date_day - pd.to_timedelta(f.date_day.dt.dayofweek, unit="D")
                )
                & (day(f.last_day_of_week) == day(f.first_day_of_week) + pd.Timedelta(days=6))
            ),
        ),
        rule(
            "calendar_periods",
            "month, quarter and year start and end around date_day; day_of_quarter counts from 1",
            ("date_day", "first_day_of_month", "last_day_of_month", "first_day_of_quarter"),
            lambda f: (
                (day(f.first_day_of_month) == f.date_day.dt.to_period("M").dt.start_time)
                & (day(f.last_day_of_month) == f.date_day.dt.to_period("M").dt.end_time.dt.normalize())
                & (day(f.first_day_of_quarter) == f.date_day.dt.to_period("Q").dt.start_time)
                & (day(f.last_day_of_quarter) == f.date_day.dt.to_period("Q").dt.end_time.dt.normalize())
                & (day(f.first_day_of_year) == f.date_day.dt.to_period("Y").dt.start_time)
                & (day(f.last_day_of_year) == f.date_day.dt.to_period("Y").dt.end_time.dt.normalize())
                & (f.day_of_quarter == (f.date_day - f.date_day.dt.to_period("Q").dt.start_time).dt.days + 1)
            ),
        ),
        rule(
            "fiscal_year_parts",
            "fiscal_year = the calendar year it ends in (FY starts on 1 February); its first and last day",
            ("date_day", "fiscal_year", "first_day_of_fiscal_year", "day_of_fiscal_year"),
            lambda f: (
                (f.fiscal_year == f.date_day.dt.year + (f.date_day.dt.month >= 2).astype("int64"))
                & (
                    day(f.first_day_of_fiscal_year)
                    == pd.to_datetime((f.fiscal_year - 1).astype("int64").astype(str) + "-02-01")
                )
                & (
                    day(f.last_day_of_fiscal_year)
                    == pd.to_datetime(f.fiscal_year.astype("int64").astype(str) + "-01-31")
                )
                & (f.day_of_fiscal_year == (f.date_day - day(f.first_day_of_fiscal_year)).dt.days + 1)
            ),
        ),
        rule(
            "fiscal_quarter_parts",
            "fiscal quarters are Feb-Apr, May-Jul, Aug-Oct, Nov-Jan; names FY2025-Q1, FY25-Q1, FY25-Feb",
            ("date_day", "fiscal_quarter", "month_of_fiscal_year", "fiscal_quarter_name"),
            lambda f: (
                (f.month_of_fiscal_year == (f.date_day.dt.month - 2) % 12 + 1)
                & (f.fiscal_quarter == ((f.date_day.dt.month - 2) % 12) // 3 + 1)
                & (
                    f.fiscal_quarter_name
                    == "FY" + f.fiscal_year.astype("int64").astype(str) + "-Q" + f.fiscal_quarter.astype(str)
                )
                & (
                    f.fiscal_quarter_name_fy
                    == "FY"
                    + f.fiscal_year.astype("int64").astype(str).str[2:]
                    + "-Q"
                    + f.fiscal_quarter.astype(str)
                )
                & (
                    f.fiscal_month_name_fy
                    == "FY"
                    + f.fiscal_year.astype("int64").astype(str).str[2:]
                    + "-"
                    + f.date_day.dt.strftime("%b")
                )
                & (f.day_of_fiscal_quarter == (f.date_day - day(f.first_day_of_fiscal_quarter)).dt.days + 1)
                & (
                    day(f.last_day_of_fiscal_quarter)
                    == (day(f.first_day_of_fiscal_quarter).dt.to_period("M") + 2).dt.end_time.dt.normalize()
                )
            ),
        ),
    )

    class Config:
        name = "common.dim_date"


class DimInstallation(ModelRows):
    """Installations: the id is md5(uuid, hostname), dates in order, classification consistent."""

    dim_installation_id: Series[Any] = column()
    uuid: Series[Any] = shaped(UUID)
    hostname: Series[Any] = column()
    host_id: Series[Any] = column()
    first_ping_date: Series[Any] = column()
    last_ping_date: Series[Any] = column()
    first_ping_created_at: Series[Any] = column()
    last_ping_created_at: Series[Any] = column()
    ping_count: Series[Any] = column(ge=1)
    latest_dim_ping_instance_id: Series[Any] = column()
    latest_version: Series[Any] = column()
    latest_cleaned_version: Series[Any] = column()
    latest_major_minor_version: Series[Any] = column()
    latest_edition: Series[Any] = column()
    latest_main_edition: Series[Any] = column()
    latest_product_tier: Series[Any] = one_of(PRODUCT_TIERS)
    installation_type: Series[Any] = column()
    delivery_type: Series[Any] = column()
    deployment_type: Series[Any] = column()
    is_internal: Series[Any] = column()
    is_staging: Series[Any] = column()
    latest_is_trial: Series[Any] = column()
    latest_dim_subscription_id: Series[Any] = column()
    latest_subscription_mapping_source: Series[Any] = column()
    latest_subscription_mapped_date: Series[Any] = column()

    _rules = (
        rule(
            "installation_id",
            "dim_installation_id = md5(uuid|hostname)",
            ("dim_installation_id", "uuid", "hostname"),
            lambda f: f.dim_installation_id == md5_of(f.uuid, f.hostname),
            needs_values=False,
        ),
        rule(
            "pings_in_order",
            "first_ping_created_at <= last_ping_created_at, and their days are first/last_ping_date",
            ("first_ping_created_at", "last_ping_created_at", "first_ping_date", "last_ping_date"),
            lambda f: (
                (f.first_ping_created_at <= f.last_ping_created_at)
                & (day(f.first_ping_date) == day(f.first_ping_created_at))
                & (day(f.last_ping_date) == day(f.last_ping_created_at))
            ),
        ),
        rule(
            "delivery_fits_deployment",
            "delivery_type is SaaS for GitLab.com and Dedicated, Self-Managed for Self-Managed",
            ("delivery_type", "deployment_type"),
            lambda f: delivery_fits_deployment(f.delivery_type, f.deployment_type),
        ),
        rule(
            "mapping_complete",
            "latest_dim_subscription_id, its mapping source and its mapped date are null together",
            (
                "latest_dim_subscription_id",
                "latest_subscription_mapping_source",
                "latest_subscription_mapped_date",
            ),
            lambda f: (
                (f.latest_dim_subscription_id.isna() == f.latest_subscription_mapping_source.isna())
                & (f.latest_dim_subscription_id.isna() == f.latest_subscription_mapped_date.isna())
            ),
            needs_values=False,
        ),
        rule(
            "mapped_while_pinging",
            "first_ping_date <= latest_subscription_mapped_date <= last_ping_date",
            ("first_ping_date", "latest_subscription_mapped_date", "last_ping_date"),
            lambda f: (
                (f.first_ping_date <= f.latest_subscription_mapped_date)
                & (f.latest_subscription_mapped_date <= f.last_ping_date)
            ),
        ),
        rule(
            "version_parts",
            "latest_cleaned_version starts with latest_major_minor_version and begins latest_version",
            ("latest_version", "latest_cleaned_version", "latest_major_minor_version"),
            lambda f: (
                _starts_with(f.latest_cleaned_version, f.latest_major_minor_version + ".")
                & _starts_with(f.latest_version.str.strip().str.removeprefix("v"), f.latest_cleaned_version)
            ),
        ),
        rule(
            "main_edition",
            "latest_main_edition is CE for edition CE, else EE",
            ("latest_edition", "latest_main_edition"),
            lambda f: f.latest_main_edition == f.latest_edition.map(lambda e: "CE" if e == "CE" else "EE"),
        ),
    )

    class Config:
        name = "common.dim_installation"


class DimIpToGeo(ModelRows):
    """IPv4 networks: each address range is exactly the network's."""

    dim_ip_to_geo_id: Series[Any] = column()
    network: Series[Any] = column()
    network_prefix_length: Series[Any] = column(ge=0, le=32)
    ip_range_first_ip_numeric: Series[Any] = column(ge=0, le=2**32 - 1)
    ip_range_last_ip_numeric: Series[Any] = column(ge=0, le=2**32 - 1)
    dim_location_country_id: Series[Any] = column()
    is_located_by_registered_country: Series[Any] = column()
    is_anonymous_proxy: Series[Any] = column()
    is_satellite_provider: Series[Any] = column()
    is_anycast: Series[Any] = column()

    _rules = (
        rule(
            "id_from_network",
            "dim_ip_to_geo_id = md5(network)",
            ("dim_ip_to_geo_id", "network"),
            lambda f: f.dim_ip_to_geo_id == md5_of(f.network),
        ),
        rule(
            "range_is_network",
            "the range spans 2^(32 - prefix) addresses from the network address of `network`",
            ("network", "network_prefix_length", "ip_range_first_ip_numeric", "ip_range_last_ip_numeric"),
            lambda f: _range_is_network(f),
        ),
    )

    class Config:
        name = "common.dim_ip_to_geo"


def _range_is_network(f: pd.DataFrame) -> pd.Series:
    parts = f.network.str.strip().str.extract(r"^(\d+)\.(\d+)\.(\d+)\.(\d+)/(\d+)$").astype("float64")
    address = parts[0] * 2**24 + parts[1] * 2**16 + parts[2] * 2**8 + parts[3]
    size = 2.0 ** (32 - f.network_prefix_length.astype("float64"))
    first, last = f.ip_range_first_ip_numeric.astype("float64"), f.ip_range_last_ip_numeric.astype("float64")
    return (
        (parts[4] == f.network_prefix_length)
        & (first == address - address % size)
        & (last - first + 1 == size)
    ).fillna(False)


def _starts_with(text: pd.Series, prefix: pd.Series) -> pd.Series:
    return pd.Series(
        [
            isinstance(t, str) and isinstance(p, str) and t.startswith(p)
            for t, p in zip(text, prefix, strict=True)
        ],
        index=text.index,
    )


_REGION_BY_CONTINENT = {
    "EU": {"EMEA"},
    "AF": {"EMEA"},
    "OC": {"APAC"},
    "SA": {"LATAM"},
    "NA": {"AMER", "LATAM"},  # Mexico, Central America and the Caribbean are LATAM
    "AS": {"APAC", "EMEA"},  # the Middle East and the Caucasus are EMEA
}


class DimLocation(ModelRows):
    """Countries: ISO codes, continents, and a sales region that fits the continent."""

    dim_location_country_id: Series[Any] = column()
    country_name: Series[Any] = column()
    iso_2_country_code: Series[Any] = shaped(r"^[A-Z]{2}$")
    continent_code: Series[Any] = one_of(("AF", "AN", "AS", "EU", "NA", "OC", "SA"))
    continent_name: Series[Any] = column()
    is_in_european_union: Series[Any] = column()
    location_region_name_map: Series[Any] = column()

    _rules = (
        rule(
            "region_fits_continent",
            "the region fits the continent (EU, AF: EMEA; OC: APAC; SA: LATAM; NA: AMER or LATAM; "
            "AS: APAC or EMEA; AN: none)",
            ("continent_code", "location_region_name_map"),
            lambda f: pd.Series(
                [
                    (region is None or pd.isna(region))
                    if continent == "AN"
                    else region in _REGION_BY_CONTINENT.get(continent, {region})
                    for continent, region in zip(f.continent_code, f.location_region_name_map, strict=True)
                ],
                index=f.index,
            ),
            warn=True,
            needs_values=False,
        ),
    )

    class Config:
        name = "common.dim_location"


_TIER_BY_PLAN = {"free": "Free", "premium": "Premium", "ultimate": "Ultimate", "ultimate_trial": "Ultimate"}


class DimNamespace(ModelRows):
    """GitLab.com namespaces: the hierarchy columns agree, the plan's tier and paid flag follow it."""

    dim_namespace_id: Series[Any] = column()
    namespace_name: Series[Any] = column()
    namespace_path: Series[Any] = column()
    namespace_type: Series[Any] = column()
    parent_namespace_id: Series[Any] = column()
    ultimate_parent_namespace_id: Series[Any] = column()
    namespace_is_ultimate_parent: Series[Any] = column()
    namespace_depth: Series[Any] = column(ge=0)
    visibility_level: Series[Any] = one_of(("private", "internal", "public"))
    shared_runners_enabled: Series[Any] = column()
    namespace_created_at: Series[Any] = column()
    gitlab_subscription_id: Series[Any] = column()
    gitlab_plan_id: Series[Any] = column()
    gitlab_plan_name: Series[Any] = column()
    product_tier: Series[Any] = column()
    gitlab_plan_is_paid: Series[Any] = column()
    is_trial: Series[Any] = column()
    trial_ends_on: Series[Any] = column()
    seats: Series[Any] = counted()
    seats_in_use: Series[Any] = counted()
    max_seats_used: Series[Any] = counted()
    dim_subscription_id: Series[Any] = column()
    subscription_name: Series[Any] = shaped(SUBSCRIPTION_NAME)

    _rules = (
        rule(
            "top_level",
            "a top-level namespace has no parent, depth 0 and is its own ultimate parent",
            ("dim_namespace_id", "namespace_is_ultimate_parent", "parent_namespace_id", "namespace_depth"),
            lambda f: (
                (f.namespace_is_ultimate_parent == f.parent_namespace_id.isna())
                & (f.namespace_is_ultimate_parent == (f.ultimate_parent_namespace_id == f.dim_namespace_id))
                & (f.namespace_is_ultimate_parent == (f.namespace_depth == 0))
            ),
            needs_values=False,
        ),
        rule(
            "tier_of_plan",
            "product_tier follows gitlab_plan_name (free: Free, premium: Premium, "
            "ultimate and ultimate_trial: Ultimate)",
            ("gitlab_plan_name", "product_tier"),
            lambda f: f.product_tier == f.gitlab_plan_name.map(_TIER_BY_PLAN),
        ),
        rule(
            "paid_plan",
            "gitlab_plan_is_paid exactly for premium and ultimate",
            ("gitlab_plan_name", "gitlab_plan_is_paid"),
            lambda f: truth(f.gitlab_plan_is_paid) == f.gitlab_plan_name.isin(("premium", "ultimate")),
        ),
        rule(
            "subscription_named",
            "subscription_name and dim_subscription_id are null together",
            ("dim_subscription_id", "subscription_name"),
            lambda f: f.dim_subscription_id.isna() == f.subscription_name.isna(),
            needs_values=False,
        ),
        rule(
            "seats_in_use_within_max",
            "seats_in_use <= max_seats_used",
            ("seats_in_use", "max_seats_used"),
            lambda f: f.seats_in_use <= f.max_seats_used,
            warn=True,
        ),
    )

    class Config:
        name = "common.dim_namespace"


def _tier_of_edition(f: pd.DataFrame) -> pd.Series:
    by_edition = {"CE": "Free", "EE Free": "Free", "EES": "Starter", "EEP": "Premium", "EEU": "Ultimate"}
    by_plan = {"starter": "Starter", "premium": "Premium", "ultimate": "Ultimate"}
    plans = f.license_plan.map(
        lambda p: by_plan.get(str(p).lower(), "Free") if isinstance(p, str) else "Free"
    )
    return f.edition.map(by_edition).where(f.edition != "EE", plans)


def _mapping_source(f: pd.DataFrame) -> pd.Series:
    source = pd.Series(None, index=f.index, dtype=object)
    for flag, name in reversed(MAPPING_SOURCES.items()):  # the first rule that maps wins
        source = source.mask(truth(f[flag]), name)
    return source


def _version_numbers(cleaned: pd.Series) -> pd.DataFrame:
    return cleaned.str.extract(r"^(\d+)\.(\d+)(?:\.(\d+))?$").astype("float64")


def _version_parts_hold(f: pd.DataFrame) -> pd.Series:
    """cleaned_version begins version, and major, minor and patch are its numbers (the regex is
    run once: it is most of the rule's time)."""
    numbers = _version_numbers(f.cleaned_version)
    return (
        _starts_with(f.version.str.strip().str.removeprefix("v"), f.cleaned_version)
        & same(numbers[0], f.major_version.astype("float64"))
        & same(numbers[1], f.minor_version.astype("float64"))
        & same(numbers[2], f.patch_version.astype("float64"))
    )


class DimPingInstance(ModelRows):
    """One row per Service Ping: version parts, calendar, classification and mapping agree."""

    dim_ping_instance_id: Series[Any] = column()
    dim_installation_id: Series[Any] = column()
    uuid: Series[Any] = shaped(UUID)
    hostname: Series[Any] = column()
    host_id: Series[Any] = column()
    version: Series[Any] = column()
    cleaned_version: Series[Any] = column()
    major_version: Series[Any] = column()
    minor_version: Series[Any] = column()
    patch_version: Series[Any] = column()
    major_minor_version: Series[Any] = column()
    major_minor_version_num: Series[Any] = column()
    version_is_prerelease: Series[Any] = column()
    installation_type: Series[Any] = column()
    edition: Series[Any] = column()
    main_edition: Series[Any] = column()
    product_tier: Series[Any] = column()
    delivery_type: Series[Any] = column()
    deployment_type: Series[Any] = column()
    is_saas_dedicated: Series[Any] = column()
    is_internal: Series[Any] = column()
    is_staging: Series[Any] = column()
    recorded_at: Series[Any] = column()
    ping_created_at: Series[Any] = column()
    ping_created_date: Series[Any] = column()
    ping_created_at_week: Series[Any] = column()
    ping_created_at_month: Series[Any] = column()
    ping_created_at_year: Series[Any] = column()
    ping_created_at_28_days_earlier: Series[Any] = column()
    snapshot_month: Series[Any] = column()
    active_user_count: Series[Any] = counted()
    license_user_count: Series[Any] = counted()
    license_billable_users: Series[Any] = counted()
    historical_max_users: Series[Any] = counted()
    is_trial: Series[Any] = column()
    license_plan: Series[Any] = column()
    license_starts_at: Series[Any] = column()
    license_expires_at: Series[Any] = column()
    license_md5: Series[Any] = shaped(MD5)
    license_sha256: Series[Any] = shaped(SHA256)
    license_subscription_id: Series[Any] = shaped(ZUORA_ID)
    ip_address_hash: Series[Any] = column()
    dim_location_country_id: Series[Any] = column()
    dim_subscription_id: Series[Any] = column()
    subscription_mapping_source: Series[Any] = column()
    is_mapped_by_md5: Series[Any] = column()
    is_mapped_by_sha256: Series[Any] = column()
    is_mapped_by_subscription_id: Series[Any] = column()
    is_last_ping_of_week: Series[Any] = column()
    is_last_ping_of_month: Series[Any] = column()

    _rules = (
        rule(
            "installation_id",
            "dim_installation_id = md5(uuid|hostname)",
            ("dim_installation_id", "uuid", "hostname"),
            lambda f: f.dim_installation_id == md5_of(f.uuid, f.hostname),
            needs_values=False,
        ),
        rule(
            "version_parts",
            "cleaned_version begins version; major, minor and patch are its numbers",
            ("version", "cleaned_version", "major_version", "minor_version", "patch_version"),
            _version_parts_hold,
            needs_values=False,
        ),
        rule(
            "major_minor",
            "major_minor_version = major.minor and major_minor_version_num = major * 100 + minor",
            ("major_version", "minor_version", "major_minor_version", "major_minor_version_num"),
            lambda f: (
                (
                    f.major_minor_version
                    == f.major_version.astype("int64").astype(str)
                    + "."
                    + f.minor_version.astype("int64").astype(str)
                )
                & (f.major_minor_version_num == f.major_version * 100 + f.minor_version)
            ),
        ),
        rule(
            "prerelease",
            "version_is_prerelease exactly for -pre and -rc<N> versions",
            ("version", "version_is_prerelease"),
            lambda f: (
                truth(f.version_is_prerelease)
                == f.version.str.lower().str.contains(r"-(?:pre|rc[0-9]*)(?:[^a-z]|$)", regex=True)
            ),
        ),
        rule(
            "edition_and_tier",
            "main_edition is CE for CE, else EE; product_tier follows the edition (plain EE: license_plan)",
            ("edition", "license_plan", "main_edition", "product_tier"),
            lambda f: (
                (f.main_edition == f.edition.map(lambda e: "CE" if e == "CE" else "EE"))
                & (f.product_tier == _tier_of_edition(f))
            ),
            needs_values=False,
        ),
        rule(
            "delivery_fits_deployment",
            "delivery_type is SaaS for GitLab.com and Dedicated, Self-Managed for Self-Managed",
            ("delivery_type", "deployment_type"),
            lambda f: delivery_fits_deployment(f.delivery_type, f.deployment_type),
        ),
        rule(
            "dedicated_not_self_managed",
            "a ping that says it is GitLab Dedicated is not Self-Managed",
            ("is_saas_dedicated", "deployment_type"),
            lambda f: ~(truth(f.is_saas_dedicated) & (f.deployment_type == "Self-Managed")),
        ),
        rule(
            "calendar",
            "day, ISO week (Monday), month, year, snapshot month and 28 days earlier are ping_created_at's",
            ("ping_created_at", "ping_created_date", "ping_created_at_week", "snapshot_month"),
            lambda f: (
                (day(f.ping_created_date) == day(f.ping_created_at))
                & (
                    day(f.ping_created_at_week)
                    == day(f.ping_created_at) - pd.to_timedelta(f.ping_created_at.dt.dayofweek, unit="D")
                )
                & (day(f.ping_created_at_month) == month_start(f.ping_created_at))
                & (day(f.snapshot_month) == month_start(f.ping_created_at))
                & (
                    day(f.ping_created_at_year)
                    == datetimes(f.ping_created_at).dt.to_period("Y").dt.start_time
                )
                & (day(f.ping_created_at_28_days_earlier) == day(f.ping_created_at) - pd.Timedelta(days=28))
            ),
        ),
        rule(
            "mapping_source",
            "subscription_mapping_source is the first flag set (md5, sha256, subscription id); "
            "dim_subscription_id is null exactly when none is",
            ("dim_subscription_id", "subscription_mapping_source", *MAPPING_SOURCES),
            lambda f: (
                same(f.subscription_mapping_source, _mapping_source(f))
                & (f.dim_subscription_id.isna() == f.subscription_mapping_source.isna())
            ),
            needs_values=False,
        ),
        rule(
            "license_dates",
            "license_expires_at >= license_starts_at",
            ("license_starts_at", "license_expires_at"),
            lambda f: f.license_expires_at >= f.license_starts_at,
            warn=True,
        ),
    )

    class Config:
        name = "common.dim_ping_instance"


_USER_OR_EVENT = ("user_based", "event_based")


def _format_fits(f: pd.DataFrame) -> pd.Series:
    windowed = has(f.time_frames, "7d") | has(f.time_frames, "28d")
    number = f.value_type == "number"
    fmt = f.metric_format
    return (
        fmt.isna()
        | (fmt == "power_user")
        | ((fmt == "indicator") & f.value_type.isin(("boolean", "number")))
        | (fmt.isin(_USER_OR_EVENT) & number & windowed)
        | ((fmt == "total_count") & number & (f.time_frame == "all"))
    )


class DimPingMetric(ModelRows):
    """The metrics dictionary: flags follow the status, the indicator types and the path."""

    metrics_path: Series[Any] = column()
    description: Series[Any] = column()
    value_type: Series[Any] = one_of(("number", "string", "boolean", "object"))
    status: Series[Any] = column()
    is_removed: Series[Any] = column()
    milestone: Series[Any] = column()
    milestone_removed: Series[Any] = column()
    time_frame: Series[Any] = column()
    time_frames: Series[Any] = column()
    data_source: Series[Any] = column()
    data_category: Series[Any] = column()
    tiers: Series[Any] = column()
    product_group: Series[Any] = column()
    product_stage: Series[Any] = column()
    product_section: Series[Any] = column()
    performance_indicator_type: Series[Any] = column()
    is_smau: Series[Any] = column()
    is_gmau: Series[Any] = column()
    is_paid_gmau: Series[Any] = column()
    is_umau: Series[Any] = column()
    is_health_score_metric: Series[Any] = column()
    is_aggregated_metric: Series[Any] = column()
    metric_format: Series[Any] = column()

    _rules = (
        rule(
            "removed",
            "is_removed exactly when status is removed",
            ("status", "is_removed"),
            lambda f: truth(f.is_removed) == (f.status == "removed"),
            needs_values=False,
        ),
        rule(
            "indicator_flags",
            "is_smau, is_gmau, is_paid_gmau, is_umau and is_health_score_metric follow "
            "performance_indicator_type",
            ("performance_indicator_type", "is_smau", "is_gmau", "is_paid_gmau", "is_umau"),
            lambda f: (
                (truth(f.is_smau) == has(f.performance_indicator_type, "smau"))
                & (truth(f.is_gmau) == has(f.performance_indicator_type, "gmau"))
                & (truth(f.is_paid_gmau) == has(f.performance_indicator_type, "paid_gmau"))
                & (truth(f.is_umau) == has(f.performance_indicator_type, "umau"))
                & (
                    truth(f.is_health_score_metric)
                    == has(f.performance_indicator_type, "customer_health_score")
                )
            ),
            needs_values=False,
        ),
        rule(
            "time_frame_text",
            "time_frame is time_frames joined with commas",
            ("time_frame", "time_frames"),
            lambda f: f.time_frame == f.time_frames.map(lambda frames: ",".join(frames)),
        ),
        rule(
            "aggregated_by_path",
            "is_aggregated_metric exactly for counts_weekly/counts_monthly.aggregated_metrics.* "
            "and counts.aggregate_*",
            ("metrics_path", "is_aggregated_metric"),
            lambda f: (
                truth(f.is_aggregated_metric)
                == f.metrics_path.str.match(
                    r"^(?:counts_weekly\.aggregated_metrics\.|counts_monthly\.aggregated_metrics\.|counts\.aggregate_)"
                )
            ),
        ),
        rule(
            "format_fits_type",
            "metric_format fits value_type and time frame (indicator: boolean or number; user/event_based: "
            "a 7d/28d number; total_count: an all-time number)",
            ("metric_format", "value_type", "time_frame"),
            _format_fits,
            needs_values=False,
        ),
        rule(
            "removed_milestone",
            "milestone_removed only on removed definitions",
            ("milestone_removed", "is_removed"),
            lambda f: truth(f.is_removed),
            warn=True,
        ),
    )

    class Config:
        name = "common.dim_ping_metric"


class DimProductDetail(ModelRows):
    """Zuora's catalog: the tier id, names, ranking, delivery and deployment follow the tier."""

    dim_product_detail_id: Series[Any] = column()
    product_id: Series[Any] = column()
    dim_product_tier_id: Series[Any] = column()
    product_rate_plan_id: Series[Any] = column()
    product_rate_plan_name: Series[Any] = column()
    product_name: Series[Any] = column()
    product_sku: Series[Any] = column()
    product_category: Series[Any] = column()
    product_tier_historical: Series[Any] = column()
    product_tier_historical_short: Series[Any] = column()
    product_tier_name: Series[Any] = column()
    product_tier_name_short: Series[Any] = column()
    product_delivery_type: Series[Any] = column()
    product_deployment_type: Series[Any] = column()
    product_ranking: Series[Any] = column()
    service_type: Series[Any] = column()
    is_reporter_license: Series[Any] = column()
    is_oss_or_edu_rate_plan: Series[Any] = column()
    is_licensed_user: Series[Any] = column()
    effective_start_date: Series[Any] = column()
    effective_end_date: Series[Any] = column()

    _rules = (
        rule(
            "keyed_by_rate_plan",
            "dim_product_detail_id = product_rate_plan_id",
            ("dim_product_detail_id", "product_rate_plan_id"),
            lambda f: f.dim_product_detail_id == f.product_rate_plan_id,
        ),
        rule(
            "tier_id",
            "dim_product_tier_id = md5(product_tier_historical)",
            ("dim_product_tier_id", "product_tier_historical"),
            lambda f: f.dim_product_tier_id == md5_of(f.product_tier_historical),
        ),
        rule(
            "short_names",
            "the short tier names are the part after ' - '",
            (
                "product_tier_historical",
                "product_tier_historical_short",
                "product_tier_name",
                "product_tier_name_short",
            ),
            lambda f: (
                (f.product_tier_historical_short == tier_short_name(f.product_tier_historical))
                & (f.product_tier_name_short == tier_short_name(f.product_tier_name))
            ),
        ),
        rule(
            "ranking",
            "product_ranking: 3 Ultimate/Gold, 2 Premium/Silver, 1 Starter/Bronze, 0 otherwise",
            ("product_tier_historical", "product_ranking"),
            lambda f: f.product_ranking == tier_ranking(f.product_tier_historical),
        ),
        rule(
            "delivery_fits_deployment",
            "product_delivery_type fits product_deployment_type",
            ("product_delivery_type", "product_deployment_type"),
            lambda f: (f.product_delivery_type == "SaaS") == f.product_deployment_type.isin(SAAS_DEPLOYMENTS),
        ),
        rule(
            "effective_dates",
            "effective_end_date >= effective_start_date",
            ("effective_start_date", "effective_end_date"),
            lambda f: f.effective_end_date >= f.effective_start_date,
            warn=True,
        ),
    )

    class Config:
        name = "common.dim_product_detail"


_UNKNOWN_TIER = "(Unknown Historical Tier)"


class DimProductTier(ModelRows):
    """GitLab's tiers: the id is md5 of the historical name (md5('-1') for the unknown member)."""

    dim_product_tier_id: Series[Any] = column()
    product_tier_historical: Series[Any] = column()
    product_tier_historical_short: Series[Any] = column()
    product_tier_name: Series[Any] = column()
    product_tier_name_short: Series[Any] = column()
    product_delivery_type: Series[Any] = column()
    product_deployment_type: Series[Any] = column()
    product_ranking: Series[Any] = column()

    _rules = (
        rule(
            "tier_id",
            "dim_product_tier_id = md5(product_tier_historical), md5('-1') for the unknown member",
            ("dim_product_tier_id", "product_tier_historical"),
            lambda f: (
                f.dim_product_tier_id
                == md5_of(f.product_tier_historical.where(f.product_tier_historical != _UNKNOWN_TIER, "-1"))
            ),
        ),
        rule(
            "short_names",
            "the short tier names are the part after ' - '",
            (
                "product_tier_historical",
                "product_tier_historical_short",
                "product_tier_name",
                "product_tier_name_short",
            ),
            lambda f: (
                (f.product_tier_historical == _UNKNOWN_TIER)
                | (
                    (f.product_tier_historical_short == tier_short_name(f.product_tier_historical))
                    & (f.product_tier_name_short == tier_short_name(f.product_tier_name))
                )
            ),
        ),
        rule(
            "ranking",
            "product_ranking: 3 Ultimate/Gold, 2 Premium/Silver, 1 Starter/Bronze, 0 otherwise, -1 unknown",
            ("product_tier_historical", "product_ranking"),
            lambda f: (
                f.product_ranking
                == tier_ranking(f.product_tier_historical).where(
                    f.product_tier_historical != _UNKNOWN_TIER, -1
                )
            ),
        ),
    )

    class Config:
        name = "common.dim_product_tier"


class DimSubscription(ModelRows):
    """Zuora subscription versions: dates in order, months of those dates, the latest version found."""

    dim_subscription_id: Series[Any] = shaped(ZUORA_ID)
    dim_subscription_id_original: Series[Any] = column()
    dim_subscription_id_previous: Series[Any] = column()
    subscription_name: Series[Any] = shaped(SUBSCRIPTION_NAME)
    subscription_version: Series[Any] = column(ge=1)
    subscription_status: Series[Any] = one_of(ZUORA_SUBSCRIPTION_STATUSES)
    dim_billing_account_id: Series[Any] = column()
    dim_crm_account_id: Series[Any] = column()
    term_start_date: Series[Any] = column()
    term_end_date: Series[Any] = column()
    subscription_start_date: Series[Any] = column()
    subscription_end_date: Series[Any] = column()
    is_latest_version: Series[Any] = column()
    dim_subscription_id_latest: Series[Any] = column()
    subscription_status_latest_version: Series[Any] = column()
    term_type: Series[Any] = one_of(ZUORA_TERM_TYPES)
    current_term: Series[Any] = column()
    is_auto_renew: Series[Any] = column()
    subscription_start_month: Series[Any] = column()
    subscription_end_month: Series[Any] = column()
    term_start_month: Series[Any] = column()
    term_end_month: Series[Any] = column()
    cancelled_date: Series[Any] = column()
    subscription_created_date: Series[Any] = column()
    subscription_updated_date: Series[Any] = column()
    created_at: Series[Any] = column()
    updated_at: Series[Any] = column()

    _rules = (
        rule(
            "term_dates",
            "term_end_date >= term_start_date",
            ("term_start_date", "term_end_date"),
            lambda f: f.term_end_date >= f.term_start_date,
        ),
        rule(
            "subscription_dates",
            "subscription_end_date >= subscription_start_date",
            ("subscription_start_date", "subscription_end_date"),
            lambda f: f.subscription_end_date >= f.subscription_start_date,
        ),
        rule(
            "months",
            "term and subscription start/end months are the first days of their dates' months",
            ("term_start_date", "term_start_month", "term_end_date", "term_end_month"),
            lambda f: (
                same(day(f.term_start_month), month_start(f.term_start_date))
                & same(day(f.term_end_month), month_start(f.term_end_date))
                & same(day(f.subscription_start_month), month_start(f.subscription_start_date))
                & same(day(f.subscription_end_month), month_start(f.subscription_end_date))
            ),
            needs_values=False,
        ),
        rule(
            "current_term_length",
            "current_term = months from term_start_date to term_end_date",
            ("term_start_date", "term_end_date", "current_term"),
            lambda f: f.current_term == months_between(f.term_start_date, f.term_end_date),
        ),
        rule(
            "latest_version",
            "is_latest_version exactly when dim_subscription_id_latest is the row's own id, "
            "and then the latest status is the row's",
            ("dim_subscription_id", "is_latest_version", "dim_subscription_id_latest", "subscription_status"),
            lambda f: (
                (truth(f.is_latest_version) == (f.dim_subscription_id_latest == f.dim_subscription_id))
                & (
                    ~truth(f.is_latest_version)
                    | same(f.subscription_status_latest_version, f.subscription_status)
                )
            ),
            needs_values=False,
        ),
        rule(
            "first_version",
            "version 1 is its own original and has no previous version",
            (
                "subscription_version",
                "dim_subscription_id",
                "dim_subscription_id_original",
                "dim_subscription_id_previous",
            ),
            lambda f: (
                ((f.subscription_version == 1) == (f.dim_subscription_id_original == f.dim_subscription_id))
                & ((f.subscription_version != 1) | f.dim_subscription_id_previous.isna())
            ),
            needs_values=False,
        ),
        rule(
            "cancelled_only_when_cancelled",
            "cancelled_date only on Cancelled versions, where it is subscription_end_date",
            ("subscription_status", "cancelled_date", "subscription_end_date"),
            lambda f: (
                f.cancelled_date.isna()
                | (
                    (f.subscription_status == "Cancelled")
                    & same(day(f.cancelled_date), day(f.subscription_end_date))
                )
            ),
            needs_values=False,
        ),
        rule(
            "updated_after_created",
            "updated_at >= created_at",
            ("created_at", "updated_at"),
            lambda f: f.updated_at >= f.created_at,
            warn=True,
        ),
    )

    class Config:
        name = "common.dim_subscription"


# -- the Gainsight pump ----------------------------------------------------------------------------
def pump_metric_columns() -> list[str]:
    """The pump's metric columns: the seed gainsight_pump_metrics, which the pump model pivots by."""
    with PUMP_METRICS_SEED.open(newline="") as handle:
        return [row["column_name"] for row in csv.DictReader(handle)]


# The pump's schema is completed below with one counted() field per metric column of the seed.
class PumpGainsightMetricsMonthlyPaid(ModelRows):
    """What Gainsight reads: paid subscriptions only, seats and utilization consistent, counts sane."""

    primary_key: Series[Any] = column()
    snapshot_month: Series[Any] = column()
    dim_subscription_id: Series[Any] = column()
    dim_subscription_id_original: Series[Any] = column()
    dim_billing_account_id: Series[Any] = column()
    dim_crm_account_id: Series[Any] = column()
    subscription_name: Series[Any] = shaped(SUBSCRIPTION_NAME)
    subscription_status: Series[Any] = column()
    term_start_date: Series[Any] = column()
    term_end_date: Series[Any] = column()
    subscription_start_date: Series[Any] = column()
    subscription_end_date: Series[Any] = column()
    delivery_type: Series[Any] = column()
    deployment_type: Series[Any] = column()
    dim_installation_id: Series[Any] = column()
    uuid: Series[Any] = shaped(UUID)
    hostname: Series[Any] = column()
    dim_namespace_id: Series[Any] = column()
    instance_type: Series[Any] = column()
    is_included_in_health_measures: Series[Any] = column()
    dim_ping_instance_id: Series[Any] = column()
    ping_created_at: Series[Any] = column()
    cleaned_version: Series[Any] = column()
    major_minor_version: Series[Any] = column()
    product_tier: Series[Any] = one_of(PRODUCT_TIERS)
    country_name: Series[Any] = column()
    iso_2_country_code: Series[Any] = column()
    subscription_mapping_source: Series[Any] = column()
    is_mapped_through_gainsight: Series[Any] = column()
    seat_link_report_date: Series[Any] = column()
    active_user_count: Series[Any] = counted()
    billable_user_count: Series[Any] = counted()
    max_historical_user_count: Series[Any] = counted()
    license_user_count: Series[Any] = counted()
    license_user_count_source: Series[Any] = column()
    instance_user_count_not_aligned: Series[Any] = counted()
    historical_max_users_not_aligned: Series[Any] = counted()
    is_seat_link_active_user_count_available: Series[Any] = column()
    is_usage_ping_license_mapped_to_subscription: Series[Any] = column()
    is_usage_ping_license_subscription_id_valid: Series[Any] = column()
    has_service_ping: Series[Any] = column()
    has_seat_link: Series[Any] = column()
    is_data_in_subscription_month: Series[Any] = column()
    license_utilization: Series[Any] = pa.Field(nullable=True, ge=0)
    is_latest_data: Series[Any] = column()

    _rules = (
        rule(
            "utilization_is_ratio",
            "license_utilization = billable_user_count / license_user_count, rounded to 4 decimals",
            ("billable_user_count", "license_user_count", "license_utilization"),
            lambda f: (
                (f.license_user_count == 0)
                | (
                    (f.license_utilization - f.billable_user_count / f.license_user_count).abs()
                    <= 0.00005 + 1e-9
                )
            ),
        ),
        rule(
            "utilization_when_counts",
            "license_utilization is null exactly when billable or licensed users are unknown (or no seats)",
            ("billable_user_count", "license_user_count", "license_utilization"),
            lambda f: (
                f.license_utilization.isna()
                == (f.billable_user_count.isna() | f.license_user_count.isna() | (f.license_user_count == 0))
            ),
            needs_values=False,
        ),
        rule(
            "seat_source",
            "license_user_count_source is null exactly when license_user_count is",
            ("license_user_count", "license_user_count_source"),
            lambda f: f.license_user_count.isna() == f.license_user_count_source.isna(),
            needs_values=False,
        ),
        rule(
            "data_in_month",
            "is_data_in_subscription_month = has_service_ping or has_seat_link; true on namespace rows",
            ("dim_namespace_id", "has_service_ping", "has_seat_link", "is_data_in_subscription_month"),
            lambda f: (
                truth(f.is_data_in_subscription_month)
                == (f.dim_namespace_id.notna() | truth(f.has_service_ping) | truth(f.has_seat_link))
            ),
            needs_values=False,
        ),
        rule(
            "ping_present",
            "on installation rows has_service_ping exactly when there is a ping (dim_ping_instance_id, "
            "ping_created_at); namespace rows have no ping",
            ("dim_namespace_id", "has_service_ping", "dim_ping_instance_id", "ping_created_at"),
            lambda f: (
                (f.dim_namespace_id.notna() | (truth(f.has_service_ping) == f.dim_ping_instance_id.notna()))
                & (f.dim_ping_instance_id.isna() == f.ping_created_at.isna())
                & (f.dim_namespace_id.isna() | f.dim_ping_instance_id.isna())
            ),
            needs_values=False,
        ),
        rule(
            "seat_link_present",
            "on installation rows has_seat_link exactly when there is a Seat Link report date",
            ("dim_namespace_id", "has_seat_link", "seat_link_report_date"),
            lambda f: (
                f.dim_namespace_id.notna() | (truth(f.has_seat_link) == f.seat_link_report_date.notna())
            ),
            needs_values=False,
        ),
        rule(
            "ping_in_month",
            "the ping and the Seat Link report are of snapshot_month",
            ("snapshot_month", "ping_created_at", "seat_link_report_date"),
            lambda f: (
                (f.ping_created_at.isna() | same(month_start(f.ping_created_at), day(f.snapshot_month)))
                & (
                    f.seat_link_report_date.isna()
                    | same(month_start(f.seat_link_report_date), day(f.snapshot_month))
                )
            ),
            needs_values=False,
        ),
        rule(
            "month_start",
            "snapshot_month is the first day of a month",
            ("snapshot_month",),
            lambda f: day(f.snapshot_month) == month_start(f.snapshot_month),
        ),
        rule(
            "delivery_fits_deployment",
            "delivery_type is SaaS for GitLab.com and Dedicated, Self-Managed for Self-Managed",
            ("delivery_type", "deployment_type"),
            lambda f: delivery_fits_deployment(f.delivery_type, f.deployment_type),
        ),
        rule(
            "instance_or_namespace",
            "a row names an installation (uuid) or a namespace, never both",
            ("uuid", "dim_namespace_id"),
            lambda f: ~(f.uuid.notna() & f.dim_namespace_id.notna()),
            needs_values=False,
        ),
        rule(
            "gainsight_mapping",
            "is_mapped_through_gainsight exactly when subscription_mapping_source is gainsight",
            ("subscription_mapping_source", "is_mapped_through_gainsight"),
            lambda f: truth(f.is_mapped_through_gainsight) == (f.subscription_mapping_source == "gainsight"),
            needs_values=False,
        ),
        rule(
            "term_dates",
            "term_end_date >= term_start_date",
            ("term_start_date", "term_end_date"),
            lambda f: f.term_end_date >= f.term_start_date,
        ),
    )

    class Config:
        name = "pumps.pump_gainsight_metrics_monthly_paid"


def _with_metric_columns(model: type[ModelRows], metric_columns: Sequence[str]) -> type[ModelRows]:
    """The model with a never-negative field per metric column (a monthly count of users or events)."""
    annotations = {name: Series[Any] for name in metric_columns}
    fields = {name: counted() for name in metric_columns}
    return type(
        model.__name__, (model,), {"__annotations__": annotations, "__doc__": model.__doc__, **fields}
    )


PumpGainsightMetricsMonthlyPaid = _with_metric_columns(PumpGainsightMetricsMonthlyPaid, pump_metric_columns())


# -- registry --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelSchema:
    schema: str  # the warehouse schema (the layer)
    model: type[ModelRows]
    row_key: tuple[str, ...]  # identifies a failing row in the failure cases


MODEL_SCHEMAS: dict[str, ModelSchema] = {
    "dim_app_release_major_minor": ModelSchema("common", DimAppReleaseMajorMinor, ("major_minor_version",)),
    "dim_billing_account": ModelSchema("common", DimBillingAccount, ("dim_billing_account_id",)),
    "dim_crm_account": ModelSchema("common", DimCrmAccount, ("dim_crm_account_id",)),
    "dim_date": ModelSchema("common", DimDate, ("date_id",)),
    "dim_installation": ModelSchema("common", DimInstallation, ("dim_installation_id",)),
    "dim_ip_to_geo": ModelSchema("common", DimIpToGeo, ("network",)),
    "dim_location": ModelSchema("common", DimLocation, ("iso_2_country_code",)),
    "dim_namespace": ModelSchema("common", DimNamespace, ("dim_namespace_id",)),
    "dim_ping_instance": ModelSchema("common", DimPingInstance, ("dim_ping_instance_id",)),
    "dim_ping_metric": ModelSchema("common", DimPingMetric, ("metrics_path",)),
    "dim_product_detail": ModelSchema("common", DimProductDetail, ("dim_product_detail_id",)),
    "dim_product_tier": ModelSchema("common", DimProductTier, ("product_tier_historical",)),
    "dim_subscription": ModelSchema("common", DimSubscription, ("dim_subscription_id",)),
    "pump_gainsight_metrics_monthly_paid": ModelSchema(
        "pumps",
        PumpGainsightMetricsMonthlyPaid,
        ("subscription_name", "hostname", "dim_namespace_id", "snapshot_month"),
    ),
}
