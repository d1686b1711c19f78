"""News archives: which formats are read, how a file is cut into partitions, and reading one partition.

Formats (by file name):

* JSON Lines (``.jsonl``, ``.ndjson``; ``.jsonl.gz`` too): one object per line with ``text`` and
  optionally ``id``, ``url``, ``date``, ``title``. Split by byte range at line boundaries: a line
  belongs to the partition in which it starts. A gzipped file cannot be split: one partition.
* Parquet (``.parquet``): the same columns (``text`` required). One partition per row group.
* WARC (``.warc``, ``.warc.gz``, as CC-NEWS publishes them; read with warcio): ``response`` records
  of HTML pages. Split by byte range at record boundaries: a partition starts at the first record
  that starts inside its range (for ``.warc.gz``, the first gzip member that holds a WARC record)
  and reads every record that starts before its end.

Reading never stops at a bad record: it yields a :class:`Bad` (the reason and where) and goes on; a
truncated or corrupt WARC record makes the reader resynchronize at the next record.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from explorer.data.errors import DataError

JSONL, PARQUET, WARC = "jsonl", "parquet", "warc"
SUFFIXES = {
    ".jsonl": JSONL,
    ".ndjson": JSONL,
    ".jsonl.gz": JSONL,
    ".ndjson.gz": JSONL,
    ".parquet": PARQUET,
    ".warc": WARC,
    ".warc.gz": WARC,
}
COLUMNS = ("id", "url", "date", "title", "text")
DEFAULT_PARTITION_BYTES = 32 * 1024 * 1024
_SYNC_WINDOW = 1 << 16  # bytes read at a time while looking for the next record


@dataclass(frozen=True)
class Partition:
    """A byte range (or a Parquet row group) of one archive file; ``index`` orders the output."""

    index: int
    path: str
    format: str
    start: int  # byte offset, or row group number for Parquet
    end: int  # exclusive; -1 = to the end of the file
    size: int  # bytes of input this partition covers (for throughput)


@dataclass(frozen=True)
class Record:
    """One article as the archive holds it. ``html`` is set for WARC pages, ``text`` otherwise."""

    source: str  # "<archive>@<byte offset>" or "<archive>#rg<row group>.<row>"
    id: str | None
    url: str | None
    date: str | None
    title: str | None
    text: str | None = None
    html: bytes | None = None


@dataclass(frozen=True)
class Bad:
    """A record that could not be read: ``reason`` is a short category, ``detail`` says more."""

    source: str
    reason: str
    detail: str = ""


def archive_format(path: Path) -> str | None:
    """``jsonl``, ``parquet`` or ``warc`` from the file name; ``None`` for anything else."""
    name = path.name.lower()
    for suffix, kind in sorted(SUFFIXES.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return kind
    return None


def plan_partitions(
    paths: list[Path], partition_bytes: int = DEFAULT_PARTITION_BYTES
) -> tuple[list[Partition], list[DataError]]:
    """Partitions of every archive, in file order, and the files refused outright (missing, unreadable)."""
    partitions: list[Partition] = []
    refused: list[DataError] = []
    for path in paths:
        kind = archive_format(path)
        if kind is None:
            raise ValueError(f"{path}: not an archive this command reads ({', '.join(sorted(SUFFIXES))})")
        if not path.is_file():
            refused.append(DataError(path, "does not exist" if not path.exists() else "is not a file"))
            continue
        size = path.stat().st_size
        if kind == PARQUET:
            try:
                groups = _parquet_row_groups(path)
            except DataError as err:
                refused.append(err)
                continue
            for group, group_bytes in enumerate(groups):
                partitions.append(Partition(len(partitions), str(path), kind, group, group + 1, group_bytes))
            continue
        if path.name.lower().endswith(".gz") and kind == JSONL or size <= partition_bytes:
            partitions.append(Partition(len(partitions), str(path), kind, 0, -1, size))
            continue
        for start in range(0, size, partition_bytes):
            end = min(size, start + partition_bytes)
            partitions.append(Partition(len(partitions), str(path), kind, start, end, end - start))
    return partitions, refused


def read_partition(partition: Partition) -> Iterator[Record | Bad]:
    """Every record of one partition, in file order; bad ones as :class:`Bad`."""
    if partition.format == JSONL:
        yield from _read_jsonl(partition)
    elif partition.format == PARQUET:
        yield from _read_parquet(partition)
    else:
        yield from _read_warc(partition)


# --- JSON Lines --------------------------------------------------------------------------------


def _read_jsonl(partition: Partition) -> Iterator[Record | Bad]:
    path = partition.path
    gz = path.lower().endswith(".gz")
    with gzip.open(path, "rb") if gz else open(path, "rb") as handle:  # noqa: SIM115 (one with for both)
        position = partition.start
        if position > 0:
            handle.seek(position - 1)
            position += len(handle.readline()) - 1  # the line under way belongs to the previous partition
        while partition.end < 0 or position < partition.end:
            line = handle.readline()
            if not line:
                break
            here = position
            position += len(line)
            if not line.strip():
                continue
            yield _jsonl_record(f"{path}@{here}", line)


def _jsonl_record(source: str, line: bytes) -> Record | Bad:
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as err:
        return Bad(source, "invalid UTF-8", f"byte 0x{line[err.start]:02x} at column {err.start}")
    try:
        data = json.loads(decoded)
    except json.JSONDecodeError as err:
        return Bad(source, "invalid JSON", err.msg)
    if not isinstance(data, dict):
        return Bad(source, "not a JSON object", type(data).__name__)
    return _record(source, data)


def _record(source: str, data: dict) -> Record | Bad:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return Bad(source, "no text", "the text field is missing or empty")
    fields: dict[str, str | None] = {}
    for key in ("id", "url", "date", "title"):
        value = data.get(key)
        fields[key] = str(value) if value is not None and not isinstance(value, dict | list) else None
    return Record(source, fields["id"], fields["url"], fields["date"], fields["title"], text=text)


# --- Parquet -----------------------------------------------------------------------------------


def _parquet_row_groups(path: Path) -> list[int]:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError, ... for a file that is not Parquet
        raise DataError(path, f"is not a readable Parquet file ({err})") from None
    names = set(meta.schema.names)
    if "text" not in names:
        raise DataError(path, f"has no 'text' column (columns: {', '.join(sorted(names))})")
    return [meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)]


def _read_parquet(partition: Partition) -> Iterator[Record | Bad]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(partition.path)
    columns = [name for name in COLUMNS if name in parquet.schema_arrow.names]
    table = parquet.read_row_group(partition.start, columns=columns)
    values = {name: table.column(name).to_pylist() for name in columns}
    for row in range(table.num_rows):
        source = f"{partition.path}#rg{partition.start}.{row}"
        data = {}
        for name in columns:
            value = values[name][row]
            if isinstance(value, bytes):  # a binary column: the text must still be UTF-8
                try:
                    value = value.decode("utf-8")
                except UnicodeDecodeError as err:
                    if name == "text":
                        yield Bad(source, "invalid UTF-8", f"byte 0x{value[err.start]:02x} at offset {err.start}")
                        break
                    value = None
            data[name] = value
        else:
            yield _record(source, data)


# --- WARC --------------------------------------------------------------------------------------


def _read_warc(partition: Partition) -> Iterator[Record | Bad]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    path = partition.path
    gz = path.lower().endswith(".gz")
    with open(path, "rb") as handle:
        position = partition.start
        while True:
            start = _next_record_start(handle, position, gz)
            if start is None or (partition.end >= 0 and start >= partition.end):
                return
            handle.seek(start)
            records = ArchiveIterator(handle, arc2warc=False)
            offset = start  # where the next record starts (warcio knows only after reading it to the end)
            try:
                for record in records:
                    if partition.end >= 0 and offset >= partition.end:
                        return
                    item = _warc_record(f"{path}@{offset}", record)
                    records.read_to_end(record)  # reads the whole record: a truncated one fails here
                    offset = records.get_record_offset() + records.get_record_length()
                    if item is not None:
                        yield item
                return
            except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as err:
                yield Bad(f"{path}@{offset}", "truncated WARC record", str(err).splitlines()[0][:200])
                position = offset + 1  # resynchronize at the next record after the broken one


def _warc_record(source: str, record) -> Record | Bad | None:
    """A WARC ``response`` with an HTML page as a :class:`Record`; other records are not articles (None)."""
    if record.rec_type != "response":
        return None
    http = record.http_headers
    if http is None or not http.get_statuscode().startswith("2"):
        return None
    content_type = (http.get_header("Content-Type") or "").lower()
    if "html" not in content_type:
        return None
    body = record.content_stream().read()
    if not body.strip():
        return Bad(source, "no text", "the HTTP response has an empty body")
    headers = record.rec_headers
    return Record(
        source,
        id=headers.get_header("WARC-Record-ID"),
        url=headers.get_header("WARC-Target-URI"),
        date=None,  # the crawl date (WARC-Date) is not the article's date; the page's own meta tag is
        title=None,
        html=body,
    )


def _next_record_start(handle: io.BufferedReader, position: int, gz: bool) -> int | None:
    """Offset of the first WARC record that starts at or after ``position``, or None at the end."""
    if position == 0:
        handle.seek(0)
        return 0 if handle.read(1) else None
    marker = b"\x1f\x8b\x08" if gz else b"WARC/1."
    while True:
        handle.seek(position)
        window = handle.read(_SYNC_WINDOW + len(marker))
        if len(window) < len(marker):
            return None
        at = window.find(marker)
        while at != -1 and at < _SYNC_WINDOW:
            if _is_record_start(handle, position + at, gz):
                return position + at
            at = window.find(marker, at + 1)
        position += _SYNC_WINDOW


def _is_record_start(handle: io.BufferedReader, offset: int, gz: bool) -> bool:
    handle.seek(offset - (0 if gz else 4))
    head = handle.read(4096)
    if not gz:
        # A record starts after the blank line that ends the previous one, with a version line.
        return head[:4] == b"\r\n\r\n" and head[4:].startswith((b"WARC/1.0\r\n", b"WARC/1.1\r\n"))
    try:
        plain = zlib.decompressobj(wbits=31).decompress(head, 16)
    except zlib.error:
        return False
    return plain.startswith(b"WARC/1.")
