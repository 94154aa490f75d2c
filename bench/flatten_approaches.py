"""Ways to flatten Service Ping payloads, each measured against the DuckDB scan floor in one run.

    .venv/bin/python bench/flatten_approaches.py --payloads 2000 [--only wildcard]

Uses the landing zone flatten_benchmark.py generates (the same --work-dir, --payloads and --seed;
generated here when missing). The payloads are read once into an in-memory DuckDB table, and
each approach turns them into (ping, path, value) rows in an in-memory table: this compares the
flatten alone, without the raw load or writing to disk (flatten_benchmark.py measures those).
The schema-driven approaches get their schema the way the model does: json_group_structure of a
sample of 256 payloads. Approaches too slow for all payloads run on a prefix and are scaled up
(marked "scaled"). Results go in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flatten_benchmark import generate_landing

MAP = "'\"MAP(VARCHAR, JSON)\"'"
IS_OBJECT = "(starts_with({v}, '{{') and {v} <> '{{}}' and {v} <> '{{\"-1\":-1}}')"


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def json_path(segments: list[str]) -> str:
    return "$" + "".join('."' + s.replace('"', '\\"') + '"' for s in segments)


def schema(conn: duckdb.DuckDBPyConnection) -> tuple[list[list[str]], list[list[str]]]:
    """Known leaves and leaf-level containers, from the merged structure of a sample."""
    structure = json.loads(
        conn.execute(
            "select json_group_structure(payload) from (select payload from payloads limit 256)"
        ).fetchone()[0]
    )
    leaves, containers = [], []

    def walk(node: dict, prefix: list[str]) -> None:
        children = [k for k, v in node.items() if isinstance(v, dict) and v and list(v) != ["-1"]]
        if prefix and not children:
            containers.append(prefix)
        for key, child in node.items():
            if key in children:
                walk(child, [*prefix, key])
            elif key != "-1":
                leaves.append([*prefix, key])

    walk(structure, [])
    return leaves, containers


def nested(paths: list[list[str]], leaf_type: str) -> dict:
    root: dict = {}
    for segments in paths:
        node = root
        for segment in segments[:-1]:
            node = node.setdefault(segment, {})
        node[segments[-1]] = leaf_type
    return root


def approaches(leaves, containers, ndjson_files):
    """name -> (sql creating table `flat`, or a Python callable; payloads it runs on or None for all)."""
    leaf_paths = "[" + ", ".join(sql_string(".".join(s)) for s in leaves) + "]"
    json_paths = "[" + ", ".join(sql_string(json_path(s)) for s in leaves) + "]"
    struct = sql_string(json.dumps(nested(leaves, "JSON")))
    columns = ", ".join(
        f"s{''.join('[' + sql_string(x) + ']' for x in s)} as _{i}" for i, s in enumerate(leaves)
    )
    unpivot_on = ", ".join(f"_{i} as {sql_string('.'.join(s))}" for i, s in enumerate(leaves))
    map_struct = sql_string(json.dumps(nested(containers, "MAP(VARCHAR, JSON)")))
    map_columns = ", ".join(f"s{''.join('[' + sql_string(x) + ']' for x in c)}" for c in containers)
    map_prefixes = "[" + ", ".join(sql_string(".".join(c)) for c in containers) + "]"
    typed_struct = sql_string(json.dumps(nested(leaves, "VARCHAR")))
    column_list = ", ".join(f"_{i}" for i in range(len(leaves)))
    # Containers with over 100 leaves (counts, counts_monthly, ...): read whole, by their keys and
    # a wildcard, in document order; the other leaves by path.
    parents: dict[tuple, int] = {}
    for s in leaves:
        parents[tuple(s[:-1])] = parents.get(tuple(s[:-1]), 0) + 1
    wide = [list(c) for c, count in parents.items() if c and count > 100]
    # Leaves under a wide container come from its wildcard, nested ones included (as objects).
    narrow = [s for s in leaves if not any(s[: len(c)] == c for c in wide)]
    wide_paths = "[" + ", ".join(sql_string(json_path(c)) for c in wide) + "]"
    narrow_paths = "[" + ", ".join(sql_string(".".join(s)) for s in narrow) + "]"
    narrow_json_paths = "[" + ", ".join(sql_string(json_path(s)) for s in narrow) + "]"
    wide_rows = " union all ".join(
        f"select id, {sql_string('.'.join(c) + '.')} || unnest(json_keys(w[{i}])) as path, "
        f"unnest(json_extract(w[{i}], '$.*')) as value from wide where starts_with(w[{i}], '{{')"
        for i, c in enumerate(wide, start=1)
    )
    return {
        "json_tree over whole payloads (schema-free)": (
            "create or replace table flat as select p.id, e.fullkey as path, e.value from payloads p, "
            "json_tree(p.payload) e where e.type not in ('OBJECT')",
            5,
        ),
        "recursive MAP(VARCHAR, JSON), lateral join (from nodes, unnest(...))": (
            f"""create or replace table flat as
            with recursive nodes(id, path, value, depth) as (
                select id, '', payload, 0 from payloads
                union all
                select n.id, case when n.path = '' then e.key else n.path || '.' || e.key end,
                       coalesce(e.value, 'null'::json), n.depth + 1
                from nodes n, unnest(map_entries(json_transform(n.value, {MAP}))) t(e)
                where n.depth < 32 and {IS_OBJECT.format(v="n.value")}
            ) select id, path, value from nodes where not {IS_OBJECT.format(v="value")}""",
            300,
        ),
        "recursive MAP(VARCHAR, JSON), unnest in the select list (schema-free)": (
            f"""create or replace table flat as
            with recursive nodes(id, path, value, depth) as (
                select id, '', payload, 0 from payloads
                union all
                select id, case when parent = '' then e.key else parent || '.' || e.key end,
                       coalesce(e.value, 'null'::json), depth
                from (select id, path as parent, depth + 1 as depth,
                             unnest(map_entries(json_transform(value, {MAP}))) as e
                      from nodes where depth < 32 and {IS_OBJECT.format(v="value")})
            ) select id, path, value from nodes where depth > 0 and not {IS_OBJECT.format(v="value")}""",
            None,
        ),
        "Python orjson dict walk -> Arrow -> DuckDB": (python_walk, None),
        "json_transform STRUCT of known leaves, list_value + unnest": (
            f"create or replace table flat as select id, unnest({leaf_paths}) as path, "
            f"unnest([{column_list}]) as value from (select id, {columns} from "
            f"(select id, json_transform(payload, {struct}) as s from payloads))",
            200,
        ),
        "json_transform STRUCT of known leaves + UNPIVOT": (
            f"create or replace table flat as select id, path, value from (select id, {columns} from "
            f"(select id, json_transform(payload, {struct}) as s from payloads)) "
            f"unpivot (value for path in ({unpivot_on}))",
            None,
        ),
        "json_transform leaf-level objects as MAP(VARCHAR, JSON) + unnest": (
            f"""create or replace table flat as
            select id, prefix || '.' || entry.key as path, entry.value
            from (select id, unnest({map_prefixes}) as prefix, unnest([{map_columns}]) as m
                  from (select id, json_transform(payload, {map_struct}) as s from payloads)),
                 unnest(map_entries(m)) as t(entry)""",
            None,
        ),
        "json_extract of the leaves by path, json_keys + '$.*' wildcard for containers of >100 leaves": (
            f"""create or replace table flat as
            with wide as materialized (
                select id, json_extract(payload, {wide_paths}) as w from payloads
            )
            select id, path, value from (
                select id, unnest({narrow_paths}) as path,
                       unnest(json_extract(payload, {narrow_json_paths})) as value
                from payloads
            ) where value is not null
            union all {wide_rows}""",
            None,
        ),
        "json_extract with the constant list of known leaf paths + unnest (chosen)": (
            f"create or replace table flat as select id, path, value from (select id, "
            f"unnest({leaf_paths}) as path, unnest(json_extract(payload, {json_paths})) as value "
            f"from payloads) where value is not null",
            None,
        ),
        "read_ndjson with an explicit STRUCT schema (.ndjson files) + UNPIVOT": (
            f"create or replace table flat as select path, value from "
            f"(select {columns.replace('s[', 'p[')} from (select json_transform(json, {typed_struct}) as p "
            f"from read_ndjson_objects({ndjson_files}))) "
            f"unpivot (value for path in ({unpivot_on}))",
            None,
        ),
    }


def python_walk(conn: duckdb.DuckDBPyConnection, limit: int | None) -> None:
    ids, paths, values = [], [], []

    def walk(ping: int, value, path: str) -> None:
        if isinstance(value, dict) and value and list(value) != ["-1"]:
            for key, child in value.items():
                walk(ping, child, f"{path}.{key}" if path else key)
        else:
            ids.append(ping)
            paths.append(path)
            values.append(orjson.dumps(value).decode())

    for ping, text in conn.execute("select id, payload::varchar from payloads").fetchall():
        walk(ping, orjson.loads(text), "")
    leaf_rows = pa.table({"id": ids, "path": paths, "value": values})  # noqa: F841 (DuckDB reads it by name)
    conn.execute("create or replace table flat as select * from leaf_rows")


def measure(action) -> tuple[float, float]:
    before, started = os.times(), time.perf_counter()
    action()
    after = os.times()
    return time.perf_counter() - started, after.user - before.user + after.system - before.system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payloads", type=int, default=2000)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/usage_platform_bench"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--only", help="run only the approaches whose name contains this text")
    args = parser.parse_args()
    landing = args.work_dir / f"landing-{args.payloads}-{args.seed}"
    generate_landing(landing, args.payloads, args.seed)
    files = sorted(p for p in (landing / "service_ping").glob("*/*") if p.is_file())
    ndjson = [str(f) for f in files if ".ndjson" in f.name]
    documents = [str(f) for f in files if ".ndjson" not in f.name]

    # A shared machine: fail rather than take its memory or disk.
    spill = args.work_dir / "duckdb_spill"
    conn = duckdb.connect(
        config={"memory_limit": "6GB", "temp_directory": str(spill), "max_temp_directory_size": "4GB"}
    )
    floor_sql = (
        f"select (select count(*) from read_ndjson_objects({ndjson})) + "
        f"(select count(*) from read_json_objects({documents}))"
    )
    floor_wall, floor_cpu = min(measure(lambda: conn.execute(floor_sql).fetchall()) for _ in range(3))
    conn.execute(
        f"""create table all_payloads as
        select row_number() over () as id,
               case when contains(json, '"payload"') and json_exists(json, '$.received_at')
                    then json -> 'payload' else json end as payload
        from (select json from read_ndjson_objects({ndjson})
              union all select json from read_json_objects({documents}))"""
    )
    conn.execute("create view payloads as select * from all_payloads")
    total = conn.execute("select count(*) from all_payloads").fetchone()[0]
    leaves, containers = schema(conn)
    print(
        f"{total} payloads, {len(leaves)} known leaf paths, "
        f"floor {floor_wall:.2f} s wall / {floor_cpu:.2f} s cpu"
    )
    print(f"{'approach':<75} {'rows':>10} {'wall s':>8} {'ratio':>7} {'cpu ratio':>9}")
    for name, (action, prefix) in approaches(leaves, containers, ndjson).items():
        if args.only and args.only not in name:
            continue
        scale = total / prefix if prefix else 1
        note = f" (scaled from {prefix})" if prefix else ""
        conn.execute(
            "create or replace view payloads as select * from all_payloads"
            + (f" where id <= {prefix}" if prefix else "")
        )
        run = (
            (lambda a=action, n=prefix: a(conn, n))
            if callable(action)
            else (lambda a=action: conn.execute(a))
        )
        try:
            wall, cpu = measure(run)
        except (duckdb.OutOfMemoryException, duckdb.IOException) as error:
            print(f"{name + note:<75} failed: {str(error).splitlines()[0][:60]}", flush=True)
            continue
        rows = conn.execute("select count(*) from flat").fetchone()[0]
        print(
            f"{name + note:<75} {round(rows * scale):>10} {wall * scale:>8.2f} "
            f"{wall * scale / floor_wall:>6.1f}x {cpu * scale / floor_cpu:>8.1f}x",
            flush=True,
        )
        conn.execute("drop table flat")


if __name__ == "__main__":
    main()
