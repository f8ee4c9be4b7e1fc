"""Benchmark `ruxlib build` on the shipped study folder; record the figures in results.json.

Run: .venv/bin/python benchmarks/bench_build.py [--runs N]
The book's status page shows benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from ruxlib.build import REPO, build


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    jobs = os.cpu_count() or 1
    seconds = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            build(data=REPO / "data", out=Path(tmp) / "html", jobs=jobs, progress=False)
            seconds.append(round(time.perf_counter() - start, 1))
    path = REPO / "benchmarks" / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["build"] = {
        "seconds": seconds,
        "median_seconds": statistics.median(seconds),
        "jobs": jobs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["build"], indent=2))


if __name__ == "__main__":
    main()
