"""Reads every gold table of a lake folder with one engine, with its defaults, the way the central
team would, and prints the per store-day sums as JSON for the interop suite to compare with gold:
{table: {"YYYY-MM-DD|store_id": {"amount": net minor units, "gross": ..., "returns": ..., "rows": n}}}
(snapshot format 3: the amounts are net, gross_amount and returns_amount beside them).

usage: read_lake.py ENGINE LAKE   (ENGINE: pyarrow | pandas | fastparquet | polars | duckdb | spark)
"""
import json
import os
import sys

AMOUNT = {
    "fact_daily_sales": "daily_sales_amount",
    "fact_hourly_sales": "sales_amount",
    "kpi_revenue_by_region": "revenue_amount",
    "kpi_daily_orders": "total_amount",
    "fact_daily_product_sales": "sales_amount",
}


SUMMED = ["gross_amount", "returns_amount"]


def key(sale_date, store_id):
    return f"{str(sale_date)[:10]}|{store_id}"


# Each reader: {key: ([sum of each column], row count)}.
def read_pyarrow(folder, columns):
    import pyarrow.dataset as ds
    table = ds.dataset(folder, partitioning="hive").to_table()
    grouped = table.group_by(["sale_date", "store_id"]).aggregate([(c, "sum") for c in columns] + [(columns[0], "count")])
    return {key(r["sale_date"], r["store_id"]): ([r[f"{c}_sum"] for c in columns], r[f"{columns[0]}_count"]) for r in grouped.to_pylist()}


def read_pandas(folder, columns, engine="pyarrow"):
    import pandas as pd
    frame = pd.read_parquet(folder, engine=engine)
    grouped = frame.groupby(["sale_date", "store_id"], observed=True)
    sums, counts = grouped[columns].sum(), grouped.size()
    return {key(d, s): ([int(sums.loc[(d, s), c]) for c in columns], int(counts.loc[(d, s)])) for d, s in sums.index}


def read_polars(folder, columns):
    import polars as pl
    frame = pl.scan_parquet(f"{folder}/**/*.parquet", hive_partitioning=True).group_by("sale_date", "store_id").agg(
        *[pl.col(c).sum().alias(c) for c in columns], pl.len().alias("count")).collect()
    return {key(r["sale_date"], r["store_id"]): ([r[c] for c in columns], r["count"]) for r in frame.to_dicts()}


def read_duckdb(folder, columns):
    import duckdb
    sums = ", ".join(f"sum({c})::BIGINT" for c in columns)
    rows = duckdb.sql(f"""SELECT sale_date, store_id, {sums}, count(*)
        FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true) GROUP BY ALL""").fetchall()
    return {key(r[0], r[1]): (list(r[2:-1]), r[-1]) for r in rows}


def read_spark(folder, columns):
    from pyspark.sql import SparkSession, functions as F
    spark = SparkSession.builder.master("local[2]").appName("medallion-interop").getOrCreate()
    rows = spark.read.parquet(folder).groupBy("sale_date", "store_id").agg(
        *[F.sum(c).alias(c) for c in columns], F.count("*").alias("count")).collect()
    return {key(r["sale_date"], r["store_id"]): ([r[c] for c in columns], r["count"]) for r in rows}


READERS = {
    "pyarrow": read_pyarrow,
    "pandas": read_pandas,
    "fastparquet": lambda folder, columns: read_pandas(folder, columns, engine="fastparquet"),
    "polars": read_polars,
    "duckdb": read_duckdb,
    "spark": read_spark,
}


def main():
    engine, lake = sys.argv[1], sys.argv[2]
    result = {}
    for table, amount in AMOUNT.items():
        folder = os.path.join(lake, table)
        sums = READERS[engine](folder, [amount, *SUMMED])
        result[table] = {k: {"amount": int(net), "gross": int(gross), "returns": int(returned), "rows": int(count)}
                         for k, ((net, gross, returned), count) in sums.items()}
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
