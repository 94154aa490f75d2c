"""Metadata read from the warehouse once dbt has built a model, for the Dagster UI.

Every built model's materialization gets:
- `dagster/column_schema`: its columns as the warehouse typed them, with the descriptions and
  tags of the dbt yml;
- `dagster/column_lineage`: for each column, the upstream columns (asset key + column) it is
  computed from, found by sqlglot in the model's compiled SQL, and the same as a Markdown table
  (`column lineage`) for open-source Dagster, whose UI draws no column lineage graph;
- the metadata of its warehouse metadata provider, if one is registered.

A provider is a plain function of a read-only DuckDB connection that returns Dagster metadata
(headline numbers, a Markdown preview, a rate to plot over time) for one dbt model. Modules that
own such numbers export `PROVIDERS: dict[model name, provider]`; `PROVIDER_MODULES` lists them.

DuckDB is a single-writer file and dbt holds it for the whole invocation, so
`attach_warehouse_metadata` holds the events back until the invocation has ended, then opens the
warehouse once, read-only: one query reads every table's columns, then each built model gets its
metadata. A model that failed or was skipped has no materialization: no metadata, no provider
call. A provider that raises fails the step, naming the model (its materialization is still
recorded, since dbt did build it, without the provider's metadata). Column lineage is best
effort: SQL that sqlglot cannot follow gets a warning naming the model, and no lineage.

Tracing with sqlglot takes seconds per run, and a model's lineage changes only with its compiled
SQL or the columns it and its parents have: `LineageCache` keeps each model's result in a JSON
file beside the manifest, under a digest of exactly those inputs, so an unchanged model is not
traced again. A cache file that cannot be read is ignored (with a warning) and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import sqlglot
from sqlglot import MappingSchema, exp, to_table
from sqlglot.expressions import normalize_table_name
from sqlglot.lineage import lineage
from sqlglot.tokens import TokenType

MetadataProvider = Callable[[duckdb.DuckDBPyConnection], Mapping[str, Any]]
Connect = Callable[[], contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]]
AssetKeyFor = Callable[[Mapping[str, Any]], dg.AssetKey]
Relation = tuple[str, str]  # (schema, table), lower case

# Columns every table has without listing them (`select *` leaves them out); SQL may read them.
PSEUDO_COLUMNS = {"duckdb": {"rowid": "BIGINT"}}

COLUMN_SCHEMA = "dagster/column_schema"
COLUMN_LINEAGE = "dagster/column_lineage"
COLUMN_LINEAGE_TABLE = "column lineage"

# Modules with a PROVIDERS mapping; imported when the dbt asset runs, not when definitions load.
PROVIDER_MODULES: tuple[str, ...] = ("usage_platform.reports.metadata", "usage_platform.gainsight.metadata")

logger = dg.get_dagster_logger()

LINEAGE_CACHE_FILE = "column_lineage_cache.json"
# Bump when column_lineage's result changes for the same inputs.
_LINEAGE_CACHE_VERSION = "1"
# Literals left out of the digest: lineage follows column references, never a literal's value, and
# dbt compiles values into some models that change from run to run (the invocation id, an
# incremental watermark `timestamp '...'`, the flatten's list of known key paths).
_LITERALS = frozenset(
    {
        TokenType.STRING,
        TokenType.NUMBER,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.RAW_STRING,
        TokenType.HEREDOC_STRING,
        TokenType.UNICODE_STRING,
    }
)


class WarehouseMetadataError(RuntimeError):
    """A metadata provider failed, or the warehouse could not be read after the dbt build."""


def metadata_providers() -> dict[str, MetadataProvider]:
    providers: dict[str, MetadataProvider] = {}
    for module_name in PROVIDER_MODULES:
        module_providers = importlib.import_module(module_name).PROVIDERS
        duplicated = providers.keys() & module_providers.keys()
        if duplicated:
            raise ValueError(f"{module_name} provides metadata already provided for {sorted(duplicated)}")
        providers.update(module_providers)
    return providers


def unknown_models(providers: Mapping[str, MetadataProvider], manifest: Mapping[str, Any]) -> list[str]:
    """Provider names that are no dbt model, seed or snapshot of the manifest (a typo, a rename)."""
    known = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] != "test"}
    return sorted(set(providers) - known)


def built_node(event: Any, manifest: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The dbt node a materialization event is for (None for checks, observations...)."""
    if not isinstance(event, (dg.Output, dg.AssetMaterialization)):
        return None
    unique_id = event.metadata.get("unique_id")
    return manifest["nodes"].get(getattr(unique_id, "value", unique_id)) if unique_id else None


def attach_warehouse_metadata(
    events: Iterable[Any],
    *,
    manifest: Mapping[str, Any],
    target_path: Path,
    asset_key_for: AssetKeyFor,
    connect: Connect,
    providers: Mapping[str, MetadataProvider],
    lineage_cache: Path | None = None,
) -> Iterator[Any]:
    """Pass the dbt events through, in their order, with each built model's metadata added.

    `target_path` is the invocation's dbt target folder (compiled SQL); `asset_key_for` maps a
    manifest node or source to its asset key; `lineage_cache` is the JSON file of LineageCache
    (None: lineage is traced every time). An error of the event stream itself (dbt failed)
    is raised again once the held events are out; a provider failure, or a warehouse that cannot
    be opened, raises WarehouseMetadataError (chained to the dbt error if any) after them.
    """
    held: list[Any] = []
    stream_error: Exception | None = None
    try:
        held.extend(events)
    except Exception as error:  # dbt failed: the models it did build still get their metadata
        stream_error = error

    failures: list[str] = []
    cache = LineageCache.load(lineage_cache) if lineage_cache is not None else None
    with contextlib.ExitStack() as stack:
        conn = columns = None
        if any(built_node(event, manifest) for event in held):
            try:
                conn = stack.enter_context(connect())
                columns = warehouse_columns(conn)
            except Exception as error:  # the materializations still go out, then the step fails
                failures.append(f"the warehouse could not be read: {type(error).__name__}: {error}")
        for event in held:
            node = built_node(event, manifest)
            if node is None or conn is None or columns is None:
                yield event
                continue
            metadata = {**event.metadata}
            metadata.update(column_metadata(node, manifest, columns, target_path, asset_key_for, cache))
            if node["name"] in providers:
                try:
                    metadata.update(_call(providers[node["name"]], conn))
                except Exception as error:
                    failures.append(f"provider of dbt model {node['name']}: {type(error).__name__}: {error}")
            yield event.with_metadata(metadata)
    if cache is not None:
        cache.save()

    if failures:
        message = "Warehouse metadata failed: " + "; ".join(failures)
        if stream_error is not None:
            message += f" (dbt failed too: {stream_error})"
        raise WarehouseMetadataError(message) from stream_error
    if stream_error is not None:
        raise stream_error


def warehouse_columns(conn: duckdb.DuckDBPyConnection) -> dict[Relation, dict[str, str]]:
    """Every table's and view's columns with their types, in order, in one query."""
    rows = conn.execute(
        """
        select lower(table_schema), lower(table_name), column_name, data_type
        from information_schema.columns
        where table_catalog = current_database()
        order by table_schema, table_name, ordinal_position
        """
    ).fetchall()
    columns: dict[Relation, dict[str, str]] = {}
    for schema, table, column, data_type in rows:
        columns.setdefault((schema, table), {})[column] = data_type
    return columns


def relation_of(props: Mapping[str, Any]) -> Relation:
    table = props.get("identifier") if props["resource_type"] == "source" else props.get("alias")
    return (props["schema"].lower(), (table or props["name"]).lower())


def column_metadata(
    node: Mapping[str, Any],
    manifest: Mapping[str, Any],
    columns: Mapping[Relation, Mapping[str, str]],
    target_path: Path,
    asset_key_for: AssetKeyFor,
    cache: LineageCache | None = None,
) -> dict[str, Any]:
    built = columns.get(relation_of(node))
    if not built:
        logger.warning(f"dbt model {node['name']}: no columns found in the warehouse")
        return {}
    metadata: dict[str, Any] = {COLUMN_SCHEMA: dg.TableSchemaMetadataValue(documented_schema(node, built))}
    if node["resource_type"] == "model":
        try:
            deps = column_lineage(node, manifest, columns, target_path, asset_key_for, cache)
        except Exception as error:
            logger.warning(f"dbt model {node['name']}: no column lineage ({type(error).__name__}: {error})")
        else:
            metadata[COLUMN_LINEAGE] = dg.TableColumnLineageMetadataValue(dg.TableColumnLineage(deps))
            metadata[COLUMN_LINEAGE_TABLE] = dg.MetadataValue.md(lineage_table(deps))
    return metadata


def lineage_table(deps: Mapping[str, list[dg.TableColumnDep]]) -> str:
    """The lineage as a Markdown table: open-source Dagster shows the structured entry as JSON
    (its column lineage graph is a Dagster+ feature); this reads well in the metadata panel."""
    rows = ["| column | computed from |", "|---|---|"]
    for column, column_deps in deps.items():
        sources = ", ".join(f"`{dep.asset_key.to_user_string()}`.`{dep.column_name}`" for dep in column_deps)
        rows.append(f"| `{column}` | {sources or 'no upstream column'} |")
    return "\n".join(rows)


def documented_schema(node: Mapping[str, Any], built: Mapping[str, str]) -> dg.TableSchema:
    """The built columns (name, warehouse type) with the dbt yml's descriptions and tags."""
    documented = {name.lower(): column for name, column in (node.get("columns") or {}).items()}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=name,
                type=data_type,
                description=documented.get(name.lower(), {}).get("description") or None,
                tags={tag: "" for tag in documented.get(name.lower(), {}).get("tags", [])},
            )
            for name, data_type in built.items()
        ]
    )


def column_lineage(
    node: Mapping[str, Any],
    manifest: Mapping[str, Any],
    columns: Mapping[Relation, Mapping[str, str]],
    target_path: Path,
    asset_key_for: AssetKeyFor,
    cache: LineageCache | None = None,
) -> dict[str, list[dg.TableColumnDep]]:
    """For each built column, the parent columns its value is computed from.

    sqlglot follows each output column through the compiled SQL (CTEs, subqueries, `select *`
    expanded with the parents' columns) down to the tables it reads; all columns are traced in
    one pass. A column the SQL does not name (an implicit alias) gets no dependency. With a
    cache, a model whose inputs (dialect, compiled SQL, its and its parents' columns and types,
    the parents' asset keys) are those of a cached result gets that result without sqlglot.
    """
    dialect = manifest["metadata"]["adapter_type"]
    sql = (target_path / "compiled" / node["package_name"] / node["original_file_path"]).read_text()
    pseudo_columns = PSEUDO_COLUMNS.get(dialect, {})

    def readable(props: Mapping[str, Any]) -> dict[str, str]:
        return {**columns.get(relation_of(props), {}), **pseudo_columns}

    parent_props = [
        manifest["nodes"].get(parent_id) or manifest["sources"][parent_id]
        for parent_id in node["depends_on"]["nodes"]
    ]
    key = None
    if cache is not None:
        key = lineage_digest(
            dialect=dialect,
            sql=sql,
            node=(node["relation_name"], readable(node)),
            parents=[(p["relation_name"], asset_key_for(p).path, readable(p)) for p in parent_props],
            built=list(columns[relation_of(node)]),
        )
        cached = cache.get(node["unique_id"], key)
        if cached is not None:
            return cached

    schema = MappingSchema(dialect=dialect)
    parents: dict[str, Mapping[str, Any]] = {}
    for parent in parent_props:
        table = to_table(parent["relation_name"], dialect=dialect)
        parents[normalize_table_name(table, dialect=dialect)] = parent
        schema.add_table(table, readable(parent), dialect=dialect)
    # An incremental model reads itself ({{ this }}).
    schema.add_table(to_table(node["relation_name"], dialect=dialect), readable(node), dialect=dialect)

    # trim_selects=False: no copy of each select per column (the nodes' `source`, unused here).
    traced = lineage(None, sql, schema, dialect=dialect, trim_selects=False)
    deps: dict[str, list[dg.TableColumnDep]] = {name.lower(): [] for name in columns[relation_of(node)]}
    for column, root in traced.items():
        if column.lower() not in deps:
            continue
        found: set[dg.TableColumnDep] = set()
        for leaf in root.walk():
            table = leaf.expression.find(exp.Table) if not leaf.downstream else None
            parent = parents.get(normalize_table_name(table, dialect=dialect)) if table else None
            if parent is not None:
                parent_column = exp.to_column(leaf.name).name.lower()
                found.add(dg.TableColumnDep(asset_key=asset_key_for(parent), column_name=parent_column))
        deps[column.lower()] = sorted(found, key=_dep_order)
    if cache is not None and key is not None:
        cache.put(node["unique_id"], key, deps)
    return deps


def lineage_digest(
    *,
    dialect: str,
    sql: str,
    node: tuple[str, Mapping[str, str]],
    parents: Iterable[tuple[str, Iterable[str], Mapping[str, str]]],
    built: Iterable[str],
) -> str:
    """What column_lineage's result depends on, as one sha256: the dialect, the compiled SQL (as
    tokens, literals left out: `sql_shape`), the model's relation and columns with their types, and
    each parent's relation, asset key and columns with their types; plus sqlglot's version."""
    inputs = {
        "version": _LINEAGE_CACHE_VERSION,
        "sqlglot": getattr(sqlglot, "__version__", ""),
        "dialect": dialect,
        "sql": sql_shape(sql, dialect),
        "node": [node[0], sorted(node[1].items())],
        "built": list(built),
        "parents": sorted([relation, list(path), sorted(cols.items())] for relation, path, cols in parents),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def sql_shape(sql: str, dialect: str) -> list[str]:
    """The SQL's tokens (comments and whitespace dropped), each literal as `?` and a list of
    literals as one `?`: what decides column lineage. A literal inside DuckDB's `COLUMNS(...)`,
    which selects columns by pattern, is kept. SQL the tokenizer rejects is kept whole."""
    try:
        tokens = sqlglot.Dialect.get_or_raise(dialect).tokenize(sql)
    except Exception:
        return [sql]
    shape: list[str] = []
    for index, token in enumerate(tokens):
        in_columns = (
            index >= 2 and tokens[index - 2].text.upper() == "COLUMNS" and tokens[index - 1].text == "("
        )
        if token.token_type not in _LITERALS or in_columns:
            shape.append(f"{token.token_type.name}:{token.text}")
        elif shape[-2:] == ["?", "COMMA:,"]:
            shape.pop()  # `?, ?` -> `?`
        else:
            shape.append("?")
    return shape


class LineageCache:
    """Column lineage per model, kept in a JSON file under a digest of its inputs.

    `{"version": ..., "models": {unique_id: {"key": digest, "lineage": {column: [[asset key
    path, column], ...]}}}}`. One entry per model (a changed model replaces its entry). Saving
    merges with what the file holds then (another dbt asset may have saved meanwhile) and writes
    a temporary file renamed into place, so readers never see half a file. A file that cannot be
    read or parsed is ignored with a warning, and a failed save only warns: lineage is then
    traced again next time.
    """

    def __init__(self, path: Path, models: dict[str, dict[str, Any]] | None = None):
        self.path = Path(path)
        self.models: dict[str, dict[str, Any]] = models or {}
        self.hits = 0
        self._changed: dict[str, dict[str, Any]] = {}

    @classmethod
    def load(cls, path: Path) -> LineageCache:
        return cls(path, cls._read(Path(path)))

    @staticmethod
    def _read(path: Path) -> dict[str, dict[str, Any]]:
        if not path.exists():
            return {}
        try:
            content = json.loads(path.read_text())
            if content.get("version") != _LINEAGE_CACHE_VERSION:
                return {}
            models = content["models"]
            if not isinstance(models, dict):
                raise TypeError(f"models is a {type(models).__name__}")
            return models
        except Exception as error:
            logger.warning(f"column lineage cache {path} ignored ({type(error).__name__}: {error})")
            return {}

    def get(self, unique_id: str, key: str) -> dict[str, list[dg.TableColumnDep]] | None:
        entry = self.models.get(unique_id)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        try:
            deps = {
                str(column): [
                    dg.TableColumnDep(asset_key=dg.AssetKey([str(p) for p in path]), column_name=str(name))
                    for path, name in column_deps
                ]
                for column, column_deps in entry["lineage"].items()
            }
        except Exception as error:
            logger.warning(
                f"column lineage cache: entry of {unique_id} ignored ({type(error).__name__}: {error})"
            )
            return None
        self.hits += 1
        return deps

    def put(self, unique_id: str, key: str, deps: Mapping[str, list[dg.TableColumnDep]]) -> None:
        entry = {
            "key": key,
            "lineage": {
                column: [[list(dep.asset_key.path), dep.column_name] for dep in column_deps]
                for column, column_deps in deps.items()
            },
        }
        self.models[unique_id] = entry
        self._changed[unique_id] = entry

    def save(self) -> None:
        if not self._changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            models = {**self._read(self.path), **self._changed}
            content = json.dumps({"version": _LINEAGE_CACHE_VERSION, "models": models}, sort_keys=True)
            # A unique name beside the file (created with the usual permissions), renamed over it.
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex}")
            try:
                with temporary.open("x") as file:
                    file.write(content)
                os.replace(temporary, self.path)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
        except OSError as error:
            logger.warning(f"column lineage cache {self.path} not saved ({type(error).__name__}: {error})")
            return
        self._changed = {}


def _dep_order(dep: dg.TableColumnDep) -> tuple[str, str]:
    return dep.asset_key.to_user_string(), dep.column_name


def _call(provider: MetadataProvider, conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    # Each provider gets its own cursor: what one leaves behind does not reach the next.
    with conn.cursor() as cursor:
        metadata = provider(cursor)
    if not isinstance(metadata, Mapping):
        raise TypeError(f"a provider returns a mapping of metadata, not {type(metadata).__name__}")
    return dict(metadata)
