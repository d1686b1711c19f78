"""The linking benchmark runs end to end (a smoke test: no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_runs_and_agrees_with_the_naive_loop() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_linking.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "RESULTS" in done.stdout
    methods = (
        "project: Linker.link",
        "naive: one regex per pattern",
        "flashtext KeywordProcessor",
        "bare pyahocorasick",
        "bare ahocorasick-rs",
    )
    for method in methods:
        assert method in done.stdout, done.stdout
    assert "MB/s" in done.stdout and "docs/s" in done.stdout
    assert "same mentions as the naive loop" in done.stdout, done.stdout
