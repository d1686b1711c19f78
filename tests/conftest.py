"""Shared fixtures, and the rule that a skipped test fails the run when --no-skips is given.

No test sees the working tree's or the user's state: ``KURIL_CORPUS`` (the user corpus every command
and the app use by default) points at an empty temporary folder, one for the session (inherited by
module fixtures and subprocesses) and a fresh one for each test; ``XDG_CACHE_HOME`` (where the app
keeps its first paints) points at a temporary folder for the session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests check correctness, not speed: on a shared 2-core CI machine, timing-based checks
# (per-example deadlines, "input generation is slow") fail for reasons that say nothing about the code.
settings.register_profile("kuril", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kuril")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


_SESSION_CORPUS = Path(tempfile.mkdtemp(prefix="kuril-test-corpus-"))
os.environ["KURIL_CORPUS"] = str(_SESSION_CORPUS)  # before any fixture or subprocess reads it
_SESSION_CACHE = Path(tempfile.mkdtemp(prefix="kuril-test-cache-"))
os.environ["XDG_CACHE_HOME"] = str(_SESSION_CACHE)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_CORPUS, ignore_errors=True)
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def user_corpus(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty user corpus for each test (``KURIL_CORPUS``)."""
    folder = tmp_path_factory.mktemp("user-corpus")
    monkeypatch.setenv("KURIL_CORPUS", str(folder))
    return folder


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--no-skips", action="store_true", help="fail the run if any test is skipped (CI uses this)")


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.getoption("--no-skips") and _skipped and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if config.getoption("--no-skips") and _skipped:
        terminalreporter.write_line(f"FAILED: {len(_skipped)} test(s) skipped under --no-skips:", red=True)
        for nodeid in _skipped:
            terminalreporter.write_line(f"  {nodeid}", red=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can save a screenshot on failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def gazetteer():
    from explorer.data.gazetteer import load_gazetteer

    return load_gazetteer()


@pytest.fixture(scope="session")
def linker(gazetteer):
    from explorer.text.linking import Linker

    return Linker(gazetteer.data)


@pytest.fixture(scope="session")
def corpus():
    """The curated corpus alone (its folder holds the curated sources.yaml and facts.yaml)."""
    from explorer.corpus.documents import load_corpus
    from explorer.data.paths import CURATED_CORPUS

    return load_corpus(CURATED_CORPUS)
