"""The package as a user installs it: a wheel built from the source, installed into a fresh venv,
run from another folder; and ``python -m explorer`` from a Python without the dependencies.

Fast and offline: the wheel is built with the shared venv's setuptools (``--no-build-isolation``) and
installed with ``--no-deps``; the fresh venv sees the shared venv's site-packages through a ``.pth``
file, so the dependencies are found without being downloaded. The explorer itself comes only from
the wheel (asserted): the fresh venv runs from a temporary folder, away from the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ["explorer", "geodata", "seeds", "lessons", "pyproject.toml", "README.md"]


def run(*args: str | Path, cwd: Path, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a clean copy of the source (no stale build/ folder can leak into it)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCE:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(
                origin, src / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", ".cache", "*.pyc")
            )
        else:
            shutil.copy(origin, src / name)
    out = tmp_path_factory.mktemp("dist")
    result = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", out, src, cwd=src
    )
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("kuril_explorer-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel installed; dependencies seen through the shared venv."""
    home = tmp_path_factory.mktemp("venv") / "env"
    result = run(sys.executable, "-m", "venv", "--without-pip", home, cwd=home.parent)
    assert result.returncode == 0, result.stderr
    purelib = Path(sysconfig.get_paths()["purelib"])
    (site,) = home.glob("lib/python*/site-packages")
    (site / "shared-venv.pth").write_text(f"{purelib}\n", encoding="utf-8")
    result = run(
        sys.executable, "-m", "pip", "--python", home / "bin" / "python", "install", "-q", "--no-deps", "--no-index", wheel,
        cwd=home.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return home


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["KURIL_CORPUS"] = str(tmp_path / "corpus")  # a fresh user corpus, created on first use
    return env


def test_the_wheel_carries_the_curated_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("seeds", "geodata", "lessons"):
        for path in (ROOT / folder).iterdir():
            if path.is_file() and not path.name.startswith("."):
                assert f"explorer/curated/{folder}/{path.name}" in names, path
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "kuril-explorer = explorer.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_commands_work_from_another_folder(venv: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env(tmp_path)
    where = run(venv / "bin" / "python", "-c", "import explorer; print(explorer.__file__)", cwd=elsewhere, env=env)
    assert where.returncode == 0 and Path(where.stdout.strip()).is_relative_to(venv), where
    validate = run(venv / "bin" / "kuril-explorer", "validate", cwd=elsewhere, env=env)
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout.rstrip().endswith("valid") and str(venv) in validate.stdout  # the installed data
    links = run(venv / "bin" / "python", "-m", "explorer", "links", "--format", "table", cwd=elsewhere, env=env)
    assert links.returncode == 0, links.stderr
    assert "iturup" in links.stdout and "links in 5 files" in links.stdout
    assert (tmp_path / "corpus").is_dir()  # the user corpus, made on first use


def test_python_m_explorer_outside_the_venv_explains_itself(tmp_path: Path) -> None:
    """The README's ``python -m explorer`` run with a Python lacking the dependencies: one clear line."""
    bare = tmp_path / "bare"
    result = run(sys.executable, "-m", "venv", "--without-pip", bare, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = run(bare / "bin" / "python", "-m", "explorer", "validate", cwd=ROOT, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert ".venv/bin/kuril-explorer" in result.stderr and "is missing" in result.stderr


def test_leaflet_licence_is_read_from_the_installed_package() -> None:
    """The README's "Leaflet is BSD-2-Clause" rests on the installed package's own files (its PyPI
    metadata has empty licence and author fields): the dist-info LICENSE and leaflet.js's header."""
    from importlib.metadata import distribution

    from explorer.render.leaflet_assets import LEAFLET_VERSION

    dist = distribution("django-js-lib-leaflet")
    licence = dist.read_text("LICENSE") or ""
    assert licence.startswith("BSD 2-Clause License") and "Volodymyr Agafonkin" in licence
    assert "License :: OSI Approved :: BSD License" in (dist.read_text("METADATA") or "")
    script = Path(str(dist.locate_file("js_lib_leaflet/static/js_lib_leaflet/leaflet.js")))
    head = script.read_text(encoding="utf-8")[:200]
    assert f"Leaflet {LEAFLET_VERSION}" in head and "@preserve" in head and "Agafonkin" in head


def _run_in_pty(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> tuple[int, str]:
    """Run a command with a pseudo-terminal as stdin/stdout/stderr; its exit code and all it drew."""
    import pty
    import select
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
    return proc.wait(timeout=60), out.decode("utf-8", "replace")


def test_ingest_draws_its_progress_bar_in_a_terminal(tmp_path: Path) -> None:
    """In a real terminal `ingest` draws rich's progress bar (rich must be installed and declared);
    piped, it prints only the report."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for number in range(20):
        (inbox / f"a{number:02d}.txt").write_text(
            f"Report {number} from Iturup\n\nTroops number {number} were seen on Kunashir.\n", encoding="utf-8"
        )
    env = {**os.environ, "KURIL_CORPUS": str(tmp_path / "corpus"), "TERM": "xterm-256color", "COLUMNS": "100"}
    code, drawn = _run_in_pty([sys.executable, "-m", "explorer", "ingest", str(inbox)], cwd=ROOT, env=env)
    assert code == 0, drawn
    assert "Traceback" not in drawn and "20 added" in drawn
    assert "ingest " in drawn and "\u2501" in drawn and "20/20" in drawn  # the bar, full at the end
    env["KURIL_CORPUS"] = str(tmp_path / "piped")
    piped = run(sys.executable, "-m", "explorer", "ingest", inbox, cwd=ROOT, env=env)
    assert piped.returncode == 0 and "\u2501" not in piped.stdout + piped.stderr and "20 added" in piped.stdout
