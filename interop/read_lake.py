"""Reads every gold table of a lake folder with one engine, with its defaults, the way the central
team would, and prints the per store-day sums of each table's measures as JSON for the interop
suite to compare with gold: {table: {"YYYY-MM-DD|store_id": {"sums": {column: total}, "rows": n}}}
(snapshot format 3: the sales amounts are net, gross_amount and returns_amount beside them; stock
is fact_inventory, partitioned by stock_date).

usage: read_lake.py ENGINE LAKE   (ENGINE: pyarrow | pandas | fastparquet | polars | duckdb | spark)
"""
import json
import os
import sys

RETURNS = ["gross_amount", "returns_amount"]
# Each table: its day column (the first path level) and the measures summed per store-day.
TABLES = {
    "fact_daily_sales": ("sale_date", ["daily_sales_amount", *RETURNS]),
    "fact_hourly_sales": ("sale_date", ["sales_amount", *RETURNS]),
    "kpi_revenue_by_region": ("sale_date", ["revenue_amount", *RETURNS]),
    "kpi_daily_orders": ("sale_date", ["total_amount", *RETURNS]),
    "fact_daily_product_sales": ("sale_date", ["sales_amount", *RETURNS]),
    "fact_inventory": ("stock_date", ["closing_units", "sold_units", "shrink_units"]),
}


def key(sale_date, store_id):
    return f"{str(sale_date)[:10]}|{store_id}"


# Each reader: {key: ([sum of each column], row count)}.
def read_pyarrow(folder, day, columns):
    import pyarrow.dataset as ds
    table = ds.dataset(folder, partitioning="hive").to_table()
    grouped = table.group_by([day, "store_id"]).aggregate([(c, "sum") for c in columns] + [(columns[0], "count")])
    return {key(r[day], r["store_id"]): ([r[f"{c}_sum"] for c in columns], r[f"{columns[0]}_count"]) for r in grouped.to_pylist()}


def read_pandas(folder, day, columns, engine="pyarrow"):
    import pandas as pd
    frame = pd.read_parquet(folder, engine=engine)
    grouped = frame.groupby([day, "store_id"], observed=True)
    sums, counts = grouped[columns].sum(), grouped.size()
    return {key(d, s): ([int(sums.loc[(d, s), c]) for c in columns], int(counts.loc[(d, s)])) for d, s in sums.index}


def read_polars(folder, day, columns):
    import polars as pl
    frame = pl.scan_parquet(f"{folder}/**/*.parquet", hive_partitioning=True).group_by(day, "store_id").agg(
        *[pl.col(c).sum().alias(c) for c in columns], pl.len().alias("count")).collect()
    return {key(r[day], r["store_id"]): ([r[c] for c in columns], r["count"]) for r in frame.to_dicts()}


def read_duckdb(folder, day, columns):
    import duckdb
    sums = ", ".join(f"sum({c})::BIGINT" for c in columns)
    rows = duckdb.sql(f"""SELECT {day}, store_id, {sums}, count(*)
        FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true) GROUP BY ALL""").fetchall()
    return {key(r[0], r[1]): (list(r[2:-1]), r[-1]) for r in rows}


def read_spark(folder, day, columns):
    from pyspark.sql import SparkSession, functions as F
    spark = SparkSession.builder.master("local[2]").appName("medallion-interop").getOrCreate()
    rows = spark.read.parquet(folder).groupBy(day, "store_id").agg(
        *[F.sum(c).alias(c) for c in columns], F.count("*").alias("count")).collect()
    return {key(r[day], r["store_id"]): ([r[c] for c in columns], r["count"]) for r in rows}


READERS = {
    "pyarrow": read_pyarrow,
    "pandas": read_pandas,
    "fastparquet": lambda folder, day, columns: read_pandas(folder, day, columns, engine="fastparquet"),
    "polars": read_polars,
    "duckdb": read_duckdb,
    "spark": read_spark,
}


def main():
    engine, lake = sys.argv[1], sys.argv[2]
    result = {}
    for table, (day, columns) in TABLES.items():
        folder = os.path.join(lake, table)
        if not os.path.isdir(folder):
            continue  # a lake of an older format, or of a gateway without inventory: no such table
        sums = READERS[engine](folder, day, columns)
        result[table] = {k: {"sums": {c: int(v) for c, v in zip(columns, values)}, "rows": int(count)} for k, (values, count) in sums.items()}
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
