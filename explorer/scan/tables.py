"""The scan's output tables (Parquet, via pyarrow): their schemas and how a partition's rows are written.

``<out>/mentions/part-NNNNN.parquet``: one row per mention (the columns of :data:`MENTIONS`), in
record order then text order; ``start``/``end`` index into the article's text as ``ingest`` stores
it, ``passage`` is ``<article id>:p<paragraph>.s<sentence>``.
``<out>/candidates/part-NNNNN.parquet``: one row per fact candidate
(:func:`explorer.corpus.candidates.candidates`, columns of :data:`CANDIDATES`).
Each folder reads as one table: ``pyarrow.parquet.read_table("<out>/mentions")``. One part per
partition, named by its index, so a retried partition rewrites the same file with the same rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MENTIONS = pa.schema(
    [
        ("source", pa.string()),  # archive file and where in it: "<file>@<byte offset>" or "<file>#rg<g>.<row>"
        ("url", pa.string()),
        ("article", pa.string()),  # the content id ingest gives the article
        ("date", pa.string()),
        ("place", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("text", pa.string()),
        ("rule", pa.string()),
        ("passage", pa.string()),
    ]
)

CANDIDATES = pa.schema(
    [
        ("source", pa.string()),
        ("url", pa.string()),
        ("article", pa.string()),
        ("id", pa.string()),
        ("what", pa.string()),
        ("category", pa.string()),
        ("where", pa.list_(pa.string())),
        ("when", pa.string()),
        ("when_precision", pa.string()),
        ("when_basis", pa.string()),
        ("reported_status", pa.string()),
        ("count", pa.int64()),
        ("quote", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("trigger", pa.string()),
    ]
)


def write_part(folder: Path, index: int, schema: pa.Schema, rows: list[tuple]) -> Path:
    """Write one partition's rows (tuples in schema order) to ``folder/part-<index>.parquet``, atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    table = pa.Table.from_arrays(
        [pa.array(col, type=field.type) for col, field in zip(columns, schema, strict=True)], schema=schema
    )
    target = folder / f"part-{index:05d}.parquet"
    tmp = folder / f".part-{index:05d}.parquet.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, target)
    return target


def read_table(folder: Path) -> pa.Table:
    """All parts of one output table, in partition order."""
    parts = sorted(Path(folder).glob("part-*.parquet"))
    if not parts:
        raise FileNotFoundError(f"{folder} holds no part-*.parquet files")
    return pa.concat_tables([pq.read_table(part) for part in parts])
