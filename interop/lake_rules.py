"""Checks on a lake folder that do not need an engine of their own.

usage: lake_rules.py partition-columns LAKE   every file's columns against its path's Hive keys:
                                             prints the files that hold a partition column (Spark's
                                             rule: no column both in the data and the partition schema)
       lake_rules.py metadata FILE            a file's medallion.* keys as pyarrow (schema metadata),
                                             DuckDB (parquet_kv_metadata) and polars (read_parquet_metadata) see them
"""
import glob
import json
import os
import re
import sys


def partition_columns(lake):
    import pyarrow.parquet as pq
    violations = []
    files = glob.glob(os.path.join(lake, "*", "**", "*.parquet"), recursive=True)
    for path in files:
        keys = set(re.findall(r"(?:^|/)([^/=]+)=[^/]*", os.path.relpath(path, lake)))
        both = keys & set(pq.read_schema(path).names)
        if both:
            violations.append({"file": os.path.relpath(path, lake), "columns": sorted(both)})
    print(json.dumps({"files": len(files), "violations": violations}))


def metadata(path):
    import duckdb
    import polars as pl
    import pyarrow.parquet as pq
    wanted = lambda k: k.startswith("medallion.")
    arrow = {k.decode(): v.decode() for k, v in (pq.read_schema(path).metadata or {}).items() if wanted(k.decode())}
    duck = {k: v for k, v in duckdb.sql(f"SELECT key::VARCHAR, value::VARCHAR FROM parquet_kv_metadata('{path}')").fetchall() if wanted(k)}
    polars = {k: v for k, v in pl.read_parquet_metadata(path).items() if wanted(k)}
    print(json.dumps({"pyarrow": arrow, "duckdb": duck, "polars": polars}, sort_keys=True))


if __name__ == "__main__":
    {"partition-columns": partition_columns, "metadata": metadata}[sys.argv[1]](sys.argv[2])
