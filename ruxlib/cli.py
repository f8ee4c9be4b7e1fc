"""The ``ruxlib`` command line: build, check, audit, reconstruct, ensemble.

A data problem ends in one clear message and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .paths import DATA as DEFAULT_DATA


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _check(args: argparse.Namespace) -> int:
    from .io import check_study, coverage

    check = check_study(args.dir)
    if check.warnings:
        print(f"{args.dir}: {_plural(len(check.warnings), 'warning')}", file=sys.stderr)
        for w in check.warnings:
            print(f"  - {w}", file=sys.stderr)
    if check.problems:
        print(f"{args.dir}: {_plural(len(check.problems), 'problem')}", file=sys.stderr)
        for p in check.problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"{args.dir}: OK, the study folder follows the data contract")
    print(coverage(check))
    return 0


def _build(args: argparse.Namespace) -> int:
    from .build import BuildError, OutputError, ParamError, build

    params = dict(args.param or [])
    try:
        out = build(
            data=Path(args.data),
            out=Path(args.out) if args.out else None,
            params=params,
            jobs=args.jobs,
            force=args.force,
        )
    except (OutputError, ParamError) as e:
        print(str(e), file=sys.stderr)
        return 1
    except BuildError as e:
        print(f"build failed: {e}", file=sys.stderr)
        return 1
    except Exception as e:
        from .io import DataError

        if not isinstance(e, DataError):
            raise
        print(str(e), file=sys.stderr)
        return 1
    print(f"book built: {out / 'index.html'}")
    print(f"glued values: {out / 'results.json'}")
    return 0


def _params(args: argparse.Namespace) -> int:
    from .params import table

    print(table())
    return 0


def _audit(args: argparse.Namespace) -> int:
    from . import audit
    from .io import DataError

    try:
        return audit.run(Path(args.data), as_json=args.json)
    except DataError as e:
        print(str(e), file=sys.stderr)
        return 1


def _reconstruct(args: argparse.Namespace) -> int:
    from . import reconstruct
    from .outdir import OutputError

    try:
        return reconstruct.run(Path(args.out), seed=args.seed, solutions=args.solutions)
    except OutputError as e:
        print(str(e), file=sys.stderr)
        return 1


def _ensemble(args: argparse.Namespace) -> int:
    from . import ensemble

    ensemble.run(args.solutions, Path(args.out), seed=args.seed, jobs=args.jobs, scheduler=args.scheduler)
    print(f"ensemble of {args.solutions} datasets: {args.out}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ruxlib",
        description="ruxbook: an executable reproduction of Neubauer et al., Leukemia 2021.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    from .params import table

    b = sub.add_parser("build", help="validate the study folder, execute every page, build the HTML book",
                       epilog="page parameters (-p NAME VALUE):\n" + table(),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("--data", default=str(DEFAULT_DATA), help="study folder (default: the shipped reconstruction)")
    b.add_argument("--out", default=None, help="output folder for the HTML (default: _build/html)")
    b.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="set a page parameter (e.g. -p horizon 28); repeatable")
    b.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="pages executed in parallel (default: cores)")
    b.add_argument("--force", action="store_true",
                   help="execute every page, even those the cache holds for the same inputs")
    b.set_defaults(func=_build)

    pp = sub.add_parser("params", help="list the page parameters that -p sets (name, default, allowed values)")
    pp.set_defaults(func=_params)

    c = sub.add_parser("check", help="validate a study folder against the data contract")
    c.add_argument("dir", help="study folder")
    c.set_defaults(func=_check)

    a = sub.add_parser("audit", help="recompute every published number and compare it with the ledger")
    a.add_argument("--data", default=str(DEFAULT_DATA), help="study folder")
    a.add_argument("--json", action="store_true", help="print JSON instead of a table")
    a.set_defaults(func=_audit)

    r = sub.add_parser("reconstruct", help="rebuild the pseudo patient-level data from the published numbers")
    r.add_argument("--out", default=str(DEFAULT_DATA), help="output study folder (default: data/)")
    r.add_argument("--seed", type=int, default=2021, help="seed (same seed, same bytes)")
    r.add_argument("--solutions", type=int, default=1, help="write K distinct consistent study folders")
    r.set_defaults(func=_reconstruct)

    e = sub.add_parser("ensemble", help="every computed number over K consistent datasets: pinned, bounded or assumed")
    e.add_argument("--solutions", type=int, required=True, help="K, the number of consistent datasets")
    e.add_argument("--out", required=True, help="JSON file written")
    e.add_argument("--jobs", type=int, default=None, help="local processes (default: cores)")
    e.add_argument("--scheduler", default=None, help="run on the Dask distributed scheduler at this address")
    e.add_argument("--seed", type=int, default=2021, help="seed (same seed, same table)")
    e.set_defaults(func=_ensemble)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # e.g. `ruxlib audit | head`: the reader left, nothing is wrong
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
