"""Benchmark the book on study folders resampled from the shipped one; record it in results.json.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_scale.py [--sizes 1000 10000] [--build-max 1000]

For each size N, the shipped folder is resampled to N subjects (:func:`resample`) into a
temporary folder, and three things are timed: ``ruxlib check``, every page's entry point
(``ruxlib.pages.evaluate_all(load_study(folder))``, what the pages compute without a kernel)
and, for N <= ``--build-max``, a full ``ruxlib build --force`` (every page executed). The book's
status page shows benchmarks/results.json.

Algorithm (resampling)
----------------------
1. Draw N subjects with replacement from ``adsl.csv`` (seeded); the k-th draw becomes
   subject ``RS-<k>``.
2. Every other table keeps, for each draw, the rows of the drawn subject, relabelled.
3. ``study.yml`` keeps its settings, with a new title, ``screened`` scaled by N / 16, and no
   claim to be the paper's reconstruction (so no page compares it with the paper); the
   other files and folders are copied as they are.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ruxlib.build import REPO, build
from ruxlib.io import load_study
from ruxlib.pages import evaluate_all


def resample(src: Path, dst: Path, n: int, seed: int = 1) -> Path:
    """Write a study folder of ``n`` subjects drawn with replacement from ``src`` into ``dst``."""
    rng = np.random.default_rng(seed)
    adsl = pd.read_csv(src / "adsl.csv", dtype=str, keep_default_na=False)
    drawn = adsl["USUBJID"].to_numpy()[rng.integers(0, len(adsl), n)]
    mapping = pd.DataFrame({"USUBJID": drawn, "NEW": [f"RS-{k:06d}" for k in range(n)]})
    dst.mkdir(parents=True)
    for path in src.iterdir():
        if path.is_dir():
            shutil.copytree(path, dst / path.name)
        elif path.suffix == ".csv":
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
            table = mapping.merge(table, on="USUBJID").drop(columns="USUBJID").rename(columns={"NEW": "USUBJID"})
            table[["USUBJID", *[c for c in table.columns if c != "USUBJID"]]].to_csv(dst / path.name, index=False)
        elif path.name == "study.yml":
            meta = yaml.safe_load(path.read_text(encoding="utf-8"))
            meta.update(title=f"Resampled trial ({n} subjects)", reconstructed=False,
                        screened=math.ceil(int(meta.get("screened", len(adsl))) * n / len(adsl)),
                        source="benchmarks/bench_scale.py resampling of the shipped study folder")
            (dst / path.name).write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")
        else:
            shutil.copy(path, dst / path.name)
    return dst


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return round(time.perf_counter() - start, 2)


def _check(folder: Path) -> None:
    subprocess.run([sys.executable, "-m", "ruxlib", "check", str(folder)], check=True, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--build-max", type=int, default=1000, help="largest size that gets a full build")
    args = ap.parse_args()
    jobs = os.cpu_count() or 1
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in [16, *args.sizes]:
            folder = REPO / "data" if n == 16 else resample(REPO / "data", Path(tmp) / f"n{n}", n)
            row = {
                "check_seconds": _timed(lambda f=folder: _check(f)),
                "entry_points_seconds": _timed(lambda f=folder: evaluate_all(load_study(f))),
            }
            if n <= args.build_max:
                out = Path(tmp) / f"html{n}"
                row["build_seconds"] = _timed(
                    lambda f=folder, o=out: build(data=f, out=o, jobs=jobs, progress=False, force=True))
            figures[f"n{n}"] = row
            print(n, row, flush=True)
    path = REPO / "benchmarks" / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["scale"] = {
        **{f"{size} {measure}": value for size, row in figures.items() for measure, value in row.items()},
        "jobs": jobs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["scale"], indent=2))


if __name__ == "__main__":
    main()
