"""Time the full reconstruction (all CP-SAT blocks, layout and writing) several times.

Run:  .venv/bin/python benchmarks/bench_reconstruct.py [--runs 3]
Writes the "reconstruct" entry of benchmarks/results.json (other entries are kept).
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

from ruxlib import reconstruct

RESULTS = Path(__file__).with_name("results.json")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2021)
    args = ap.parse_args()
    times, stages = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            reconstruct.run(Path(tmp), seed=args.seed)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        sol = reconstruct.solve_all(args.seed)
        stages.append(sol.timings)
    entry = {
        "seconds": [round(t, 3) for t in times],
        "median_seconds": round(statistics.median(times), 3),
        "max_seconds": round(max(times), 3),
        "budget_seconds": 30,
        "within_budget": max(times) <= 30,
        "stage_seconds_last_run": stages[-1],
        "runs": args.runs,
        "seed": args.seed,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data["reconstruct"] = entry
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(json.dumps(entry, indent=2))


if __name__ == "__main__":
    main()
