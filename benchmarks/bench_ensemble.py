"""Time the K = 100 ensemble (Table 1 pool, members, proven bounds) against the 2-minute target.

Run:  .venv/bin/python benchmarks/bench_ensemble.py [--solutions 100] [--jobs N]
Writes the "ensemble" entry of benchmarks/results.json (other entries are kept). The
numbers are evaluated with the ledger (ruxlib.ensemble.evaluate_ledger).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from ruxlib import ensemble

RESULTS = Path(__file__).with_name("results.json")
TARGET_SECONDS = 120


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--solutions", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=2021)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        doc = ensemble.run(args.solutions, Path(tmp) / "ensemble.json", seed=args.seed, jobs=args.jobs,
                           evaluate=ensemble.evaluate_ledger)
        seconds = time.perf_counter() - t0
    entry = {
        "solutions": args.solutions,
        "seconds": round(seconds, 3),
        "target_seconds": TARGET_SECONDS,
        "within_target": seconds <= TARGET_SECONDS,
        "diversity": doc["diversity"],
        "bounds": doc["bounds"],
        "seed": args.seed,
        "jobs": args.jobs or os.cpu_count(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data["ensemble"] = entry
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(json.dumps(entry, indent=2))


if __name__ == "__main__":
    main()
