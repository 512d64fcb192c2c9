"""Reads every gold table of a lake folder with one engine, with its defaults, the way the central
team would, and prints the per store-day sums as JSON for the interop suite to compare with gold:
{table: {"YYYY-MM-DD|store_id": {"amount": minor units, "rows": n}}}.

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


def key(sale_date, store_id):
    return f"{str(sale_date)[:10]}|{store_id}"


def read_pyarrow(folder, amount):
    import pyarrow.dataset as ds
    table = ds.dataset(folder, partitioning="hive").to_table()
    grouped = table.group_by(["sale_date", "store_id"]).aggregate([(amount, "sum"), (amount, "count")])
    return {key(r["sale_date"], r["store_id"]): (r[f"{amount}_sum"], r[f"{amount}_count"]) for r in grouped.to_pylist()}


def read_pandas(folder, amount, engine="pyarrow"):
    import pandas as pd
    frame = pd.read_parquet(folder, engine=engine)
    grouped = frame.groupby(["sale_date", "store_id"], observed=True)[amount].agg(["sum", "count"]).reset_index()
    return {key(r.sale_date, r.store_id): (int(r["sum"]), int(r["count"])) for _, r in grouped.iterrows()}


def read_polars(folder, amount):
    import polars as pl
    frame = pl.scan_parquet(f"{folder}/**/*.parquet", hive_partitioning=True).group_by("sale_date", "store_id").agg(
        pl.col(amount).sum().alias("sum"), pl.len().alias("count")).collect()
    return {key(r["sale_date"], r["store_id"]): (r["sum"], r["count"]) for r in frame.to_dicts()}


def read_duckdb(folder, amount):
    import duckdb
    rows = duckdb.sql(f"""SELECT sale_date, store_id, sum({amount})::BIGINT, count(*)
        FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true) GROUP BY ALL""").fetchall()
    return {key(d, s): (total, count) for d, s, total, count in rows}


def read_spark(folder, amount):
    from pyspark.sql import SparkSession, functions as F
    spark = SparkSession.builder.master("local[2]").appName("medallion-interop").getOrCreate()
    rows = spark.read.parquet(folder).groupBy("sale_date", "store_id").agg(F.sum(amount).alias("sum"), F.count("*").alias("count")).collect()
    return {key(r["sale_date"], r["store_id"]): (r["sum"], r["count"]) for r in rows}


READERS = {
    "pyarrow": read_pyarrow,
    "pandas": read_pandas,
    "fastparquet": lambda folder, amount: read_pandas(folder, amount, engine="fastparquet"),
    "polars": read_polars,
    "duckdb": read_duckdb,
    "spark": read_spark,
}


def main():
    engine, lake = sys.argv[1], sys.argv[2]
    result = {}
    for table, amount in AMOUNT.items():
        folder = os.path.join(lake, table)
        sums = READERS[engine](folder, amount)
        result[table] = {k: {"amount": int(total), "rows": int(count)} for k, (total, count) in sums.items()}
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
