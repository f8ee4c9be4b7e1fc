"""Machine-readable trial registry records: load, validate, tabulate.

The records live in ``data/registry/NCTxxxxxxxx.yaml``, one file per trial, and
follow the JSON Schema ``data/registry/schema.json``: design, phase, enrolment,
arms and doses, eligibility criteria (each with an id and its verbatim text),
outcome measures with time frames, dates, sponsor and, where published,
aggregate results. Every text says which source it was copied from.

Records shipped with the book:

=========== ===================================== ==============================
NCT id      trial                                 source of the record
=========== ===================================== ==============================
NCT04359290 the paper's single-arm phase II       the paper's Methods
NCT04334044 single-arm phase I/II, Mexico         ClinicalTrials.gov record
NCT04377620 RUXCOVID-DEVENT, randomized phase III  published results (summary)
NCT04362137 RUXCOVID, randomized phase III         published results (summary)
=========== ===================================== ==============================
"""

from __future__ import annotations

import copy
import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from jsonschema import Draft202012Validator
from scipy import stats

from .figures import SMALL, WIDTH, styled
from .paths import REGISTRY

__all__ = [
    "REGISTRY_DIR",
    "RegistryError",
    "load_schema",
    "validate_record",
    "load_record",
    "load_all",
    "criteria_table",
    "outcomes_table",
    "compare_trials",
    "published_counts",
    "IntervalCheck",
    "check_log_symmetric_interval",
    "check_published_intervals",
    "survival_in_context",
    "forest_plot",
    "steroid_pct",
    "page_values",
]

REGISTRY_DIR = REGISTRY
"""Folder of the shipped registry records and their schema: ``data/registry`` in the repository.

:meta hide-value:
"""

ORDER = ("NCT04359290", "NCT04334044", "NCT04377620", "NCT04362137")
"""Order in which the book sets the trials side by side (the paper's first)."""


class RegistryError(Exception):
    """A registry record breaks its schema; ``problems`` lists every breach."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(["registry record problems:", *("  - " + p for p in self.problems)]))


def load_schema(folder: str | Path | None = None) -> dict:
    """The JSON Schema of a registry record (``schema.json`` in ``folder``)."""
    folder = Path(folder) if folder is not None else REGISTRY_DIR
    return json.loads((folder / "schema.json").read_text(encoding="utf-8"))


def validate_record(record: dict, schema: dict | None = None) -> list[str]:
    """Every way ``record`` breaks the schema, as readable strings (empty if valid).

    Besides the JSON Schema, two cross-references are checked: each criterion's
    and outcome's ``source`` names an entry of ``sources``, and criterion ids
    are unique within the record.

    Parameters
    ----------
    record : dict
        A record as read from YAML.
    schema : dict, optional
        Defaults to the shipped ``schema.json``.

    Returns
    -------
    list of str
        ``"<path>: <message>"`` per problem.
    """
    schema = schema if schema is not None else load_schema()
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    problems = []
    for err in sorted(validator.iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(map(str, err.absolute_path)) or "(record)"
        problems.append(f"{where}: {err.message}")
    if problems:
        return problems
    source_ids = {s["id"] for s in record["sources"]}
    crits = record["eligibility"]["inclusion"] + record["eligibility"]["exclusion"]
    seen = set()
    for c in crits:
        if c["source"] not in source_ids:
            problems.append(f"eligibility/{c['id']}: source '{c['source']}' is not in sources")
        if c["id"] in seen:
            problems.append(f"eligibility/{c['id']}: criterion id used twice")
        seen.add(c["id"])
    for kind, prefix in (("inclusion", "INC"), ("exclusion", "EXC")):
        for c in record["eligibility"][kind]:
            if not c["id"].startswith(prefix):
                problems.append(f"eligibility/{kind}/{c['id']}: {kind} criterion ids start with {prefix}")
    for o in record["outcomes"]:
        if "source" in o and o["source"] not in source_ids:
            problems.append(f"outcomes/{o['id']}: source '{o['source']}' is not in sources")
    res = record.get("results")
    if res is not None and res["source"] not in source_ids:
        problems.append(f"results: source '{res['source']}' is not in sources")
    return problems


def load_record(nct_id: str, folder: str | Path | None = None) -> dict:
    """Read and validate one record, ``folder/<nct_id>.yaml``.

    Raises
    ------
    RegistryError
        If the file is missing, is not YAML, or breaks the schema.
    """
    folder = Path(folder) if folder is not None else REGISTRY_DIR
    file = folder / f"{nct_id}.yaml"
    if not file.exists():
        raise RegistryError([f"{file}: no such record"])
    schema = folder / "schema.json"
    stamp = tuple(p.stat().st_mtime_ns if p.exists() else None for p in (file, schema))
    return copy.deepcopy(_load_record(str(file), nct_id, stamp))


@functools.lru_cache(maxsize=64)
def _load_record(file: str, nct_id: str, stamp: tuple) -> dict:
    """:func:`load_record`'s parse and validation, once per file version (``stamp``: mtimes)."""
    file = Path(file)
    try:
        record = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise RegistryError([f"{file.name}: not valid YAML ({e})"]) from None
    problems = validate_record(record, load_schema(file.parent))
    if not problems and record["nct_id"] != nct_id:
        problems.append(f"{file.name}: nct_id is {record['nct_id']}, the file name says {nct_id}")
    if problems:
        raise RegistryError([f"{file.name}: {p}" for p in problems])
    return record


def load_all(folder: str | Path | None = None) -> dict[str, dict]:
    """Every record in ``folder``, validated, keyed by NCT id (book order first)."""
    folder = Path(folder) if folder is not None else REGISTRY_DIR
    ids = sorted(p.stem for p in folder.glob("NCT*.yaml"))
    ids = [i for i in ORDER if i in ids] + [i for i in ids if i not in ORDER]
    return {i: load_record(i, folder) for i in ids}


def criteria_table(record: dict) -> pd.DataFrame:
    """One row per eligibility criterion: ``id, kind, text, source, verbatim``."""
    rows = []
    for kind in ("inclusion", "exclusion"):
        for c in record["eligibility"][kind]:
            rows.append({
                "id": c["id"],
                "kind": kind,
                "text": c["text"],
                "source": c["source"],
                "verbatim": c.get("verbatim", True),
            })
    return pd.DataFrame(rows, columns=["id", "kind", "text", "source", "verbatim"])


def outcomes_table(record: dict) -> pd.DataFrame:
    """One row per outcome measure: ``id, kind, title, time_frame, description``."""
    rows = [
        {k: o.get(k, "") for k in ("id", "kind", "title", "time_frame", "description")}
        for o in record["outcomes"]
    ]
    return pd.DataFrame(rows, columns=["id", "kind", "title", "time_frame", "description"])


def _dose_text(record: dict) -> str:
    parts = []
    for a in record["arms"]:
        if a["type"] == "experimental":
            parts.append(f"{a['dose_mg']:g} mg {a['frequency']}" if a.get("dose_mg") is not None else a["intervention"])
        else:
            parts.append(a["type"])
    return "; ".join(parts)


def _primary(record: dict) -> tuple[str, str]:
    prim = [o for o in record["outcomes"] if o["kind"] == "primary"]
    if len(prim) == 1:
        return prim[0]["title"], prim[0]["time_frame"]
    return (
        f"{len(prim)} measures, e.g. " + "; ".join(o["title"] for o in prim[:3]) + ", …",
        ", ".join(sorted({o["time_frame"] for o in prim})),
    )


def compare_trials(records: dict[str, dict]) -> pd.DataFrame:
    """Set trials side by side: one column per trial, one row per feature.

    Rows: design, phase, population, severity at entry, ventilated at entry,
    steroids, dose, primary endpoint, time frame, size (enrolled), period,
    source of the record.
    """
    cols = {}
    for nct, r in records.items():
        d = r["design"]
        masking = "open label" if str(d["masking"]).lower().startswith("none") else d["masking"]
        design = f"{d['allocation']}, {d['model']}, {masking}"
        if d.get("ratio"):
            design += f", {d['ratio']}"
        endpoint, frame = _primary(r)
        dates = r["dates"]
        start = dates.get("start") or dates.get("enrolment_first") or "not recorded"
        end = dates.get("primary_completion") or dates.get("enrolment_last") or "not recorded"
        cols[f"{r['acronym']} ({nct})"] = {
            "design": design,
            "phase": "/".join(str(p) for p in r["phase"]),
            "population": r["population"]["summary"].strip(),
            "severity at entry": r["population"]["severity_at_entry"],
            "ventilated at entry": r["population"]["ventilated_at_entry"],
            "steroids": r["population"].get("steroids", "not recorded"),
            "dose": _dose_text(r),
            "primary endpoint": endpoint,
            "time frame": frame,
            "size": f"{r['enrolment']['n']} ({r['enrolment']['type']})",
            "period": f"{start} to {end}",
            "record from": r["sources"][0]["citation"],
        }
    return pd.DataFrame(cols)


def published_counts(record: dict, endpoint: str | None = None) -> pd.DataFrame:
    """The published counts of a record's ``results`` as a table.

    Parameters
    ----------
    record : dict
    endpoint : str, optional
        ``None`` for the main endpoint of ``results.by_arm``, else a key of
        ``results.other`` (e.g. ``"deaths_by_day29"``).

    Returns
    -------
    DataFrame
        Indexed by arm id: ``label, events, n, percent_reported, ci_low_reported,
        ci_high_reported`` (CI bounds as printed, percent, or empty).
    """
    res = record.get("results")
    if res is None:
        return pd.DataFrame(columns=["label", "events", "n", "percent_reported", "ci_low_reported", "ci_high_reported"])
    counts = res["by_arm"] if endpoint is None else res["other"][endpoint]
    labels = {a["id"]: a["label"] for a in record["arms"]}
    rows = {}
    for arm, c in counts.items():
        ci = c.get("ci_reported", ["", ""])
        rows[arm] = {
            "label": labels.get(arm, arm),
            "events": c["events"],
            "n": c["n"],
            "percent_reported": c.get("percent_reported", ""),
            "ci_low_reported": ci[0],
            "ci_high_reported": ci[1],
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "arm"
    return frame


@dataclass(frozen=True)
class IntervalCheck:
    """What a printed ratio, its interval and its p value imply about each other.

    ``centre`` is the geometric mean of the limits (equal to the estimate when
    the interval is symmetric on the log scale, as a Wald interval from a
    logistic model is); ``se`` the standard error of the log ratio implied by
    the width; ``p_one_sided`` the one-sided p value implied by estimate and
    ``se`` (for a ratio below 1).
    """

    estimate: float
    lower: float
    upper: float
    centre: float
    se: float
    z: float
    p_one_sided: float
    p_two_sided: float


def check_log_symmetric_interval(estimate: float, lower: float, upper: float, level: float = 0.95) -> IntervalCheck:
    """Check a printed ratio and confidence interval for internal consistency.

    A Wald interval for an odds ratio is symmetric on the log scale, so the
    geometric mean of its limits, :math:`\\sqrt{L U}`, equals the estimate
    (up to rounding) and its width fixes the standard error
    :math:`SE = (\\log U - \\log L) / (2 z_{1-\\alpha/2})`, which with the
    estimate implies a p value. A misprinted limit breaks these identities.

    Parameters
    ----------
    estimate, lower, upper : float
        Ratio and interval limits as printed (all > 0).
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    IntervalCheck

    Examples
    --------
    >>> c = check_log_symmetric_interval(0.5, 0.25, 1.0)
    >>> round(c.centre, 3)
    0.5
    """
    if min(estimate, lower, upper) <= 0 or not lower < upper:
        raise ValueError("need 0 < lower < upper and estimate > 0")
    q = stats.norm.ppf(0.5 + level / 2)
    centre = math.sqrt(lower * upper)
    se = float((math.log(upper) - math.log(lower)) / (2 * q))
    z = float(math.log(estimate) / se)
    return IntervalCheck(
        estimate=estimate,
        lower=lower,
        upper=upper,
        centre=centre,
        se=se,
        z=z,
        p_one_sided=float(stats.norm.cdf(z)),
        p_two_sided=float(2 * stats.norm.sf(abs(z))),
    )


# ---------------------------------------------------------------- published results in context

def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def check_published_intervals(record: dict, endpoint: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Recompute a record's printed binomial confidence intervals as Clopper-Pearson intervals.

    For each arm with a printed interval (``ci_reported``, in percent), the
    exact interval of ``events / n`` is computed with
    :func:`ruxlib.stats.clopper_pearson`, rounded to the printed decimals, and
    compared.

    Returns
    -------
    DataFrame
        Indexed by arm: ``label, events, n, percent, percent_reported,
        percent_match, ci_low_reported, ci_high_reported, ci_low, ci_high, match``
        (``percent``, ``ci_low``, ``ci_high`` computed, in percent, unrounded;
        ``percent_match`` compares the percentage rounded to the printed decimals).
    """
    from .stats import clopper_pearson

    table = published_counts(record, endpoint).copy()
    low, high, match = [], [], []
    for _, r in table.iterrows():
        ci = clopper_pearson(int(r["events"]), int(r["n"]), alpha=alpha)
        low.append(100 * ci.lower)
        high.append(100 * ci.upper)
        if r["ci_low_reported"] and r["ci_high_reported"]:
            d_lo, d_hi = _decimals(r["ci_low_reported"]), _decimals(r["ci_high_reported"])
            match.append(
                round(100 * ci.lower, d_lo) == float(r["ci_low_reported"]) and round(100 * ci.upper, d_hi) == float(r["ci_high_reported"])
            )
        else:
            match.append(None)
    table.insert(3, "percent", 100 * table["events"] / table["n"])
    table.insert(5, "percent_match", [
        None if not rep else round(pct, _decimals(rep)) == float(rep)
        for pct, rep in zip(table["percent"], table["percent_reported"], strict=True)
    ])
    table["ci_low"] = low
    table["ci_high"] = high
    table["match"] = match
    return table


def survival_in_context(alive: int, n: int, records: dict[str, dict], horizon: float = 28,
                        label: str = "this study folder", alpha: float = 0.05) -> pd.DataFrame:
    """Survival at about day 28 for the study folder and every published arm, with exact intervals.

    Mortality counts are turned into survival (``survivors = n - deaths``);
    the Clopper-Pearson interval of survivors / n is the complement of the
    mortality interval, so nothing is lost. Composite endpoints are left out
    (they are not survival); a record's ``results.other["deaths_by_day29"]`` is
    used when present.

    Parameters
    ----------
    alive, n : int
        Alive at ``horizon`` and analysed, in the study folder.
    records : dict
        Registry records (see :func:`load_all`).
    horizon : float, default 28
        The study folder's horizon (days from the first dose).
    label : str
        Label of the study-folder row.

    Returns
    -------
    DataFrame
        One row per arm: ``trial, arm, group, ventilated, randomized, survivors,
        n, horizon, survival, lower, upper`` (proportions), first row the study folder.
    """
    from .stats import clopper_pearson

    rows = []
    ci = clopper_pearson(alive, n, alpha=alpha)
    rows.append({"trial": "Neubauer 2021 (NCT04359290)", "arm": f"ruxolitinib 10 mg BID on day 1, then 15 mg BID, {label}",
                 "group": "single arm, ventilated", "ventilated": True, "randomized": False,
                 "survivors": alive, "n": n, "horizon": horizon, "survival": alive / n,
                 "lower": ci.lower, "upper": ci.upper})
    for nct, r in records.items():
        res = r.get("results")
        if res is None or nct == "NCT04359290":
            continue
        if res.get("events_are") == "deaths":
            counts = res["by_arm"]
        elif "deaths_by_day29" in res.get("other", {}):
            counts = res["other"]["deaths_by_day29"]
        else:
            continue
        labels = {a["id"]: a["label"] for a in r["arms"]}
        ventilated = r["population"]["ventilated_at_entry"] == "all"
        randomized = r["design"]["allocation"] == "randomized"
        group = ("randomized" if randomized else "single arm") + (", ventilated" if ventilated else ", not ventilated")
        for arm, c in counts.items():
            surv = c["n"] - c["events"]
            ci = clopper_pearson(surv, c["n"], alpha=alpha)
            rows.append({"trial": f"{r['acronym']} ({nct})", "arm": labels.get(arm, arm), "group": group,
                         "ventilated": ventilated, "randomized": randomized, "survivors": surv, "n": c["n"],
                         "horizon": res.get("horizon_days", 28), "survival": surv / c["n"],
                         "lower": ci.lower, "upper": ci.upper})
    return pd.DataFrame(rows)


@styled
def forest_plot(table: pd.DataFrame, band: tuple[float, float] | None = None, band_label: str = "", ax=None,
                level: float = 95):
    """Forest-style plot of survival with exact intervals, one line per arm.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`survival_in_context`.
    band : (low, high), optional
        A range to shade (proportions), e.g. the historical 25-60 %.
    band_label : str
        Legend text of the band.
    ax : matplotlib Axes, optional
    level : float, default 95
        Confidence level of the intervals in ``table`` (percent), for the axis label.

    Returns
    -------
    matplotlib Figure
    """
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if ax is None:
        fig, ax = plt.subplots(figsize=(WIDTH, 0.55 * len(table) + 2.4))
    else:
        fig = ax.figure
    colours = {"single arm, ventilated": "#d62728", "randomized, ventilated": "#1f77b4",
               "randomized, not ventilated": "#7f7f7f"}
    y = list(range(len(table)))[::-1]
    if band is not None:
        ax.axvspan(100 * band[0], 100 * band[1], color="#fdd49e", alpha=0.6, lw=0)
    previous = None
    for yi, (_, r) in zip(y, table.iterrows(), strict=True):
        c = colours.get(r["group"], "black")
        placebo = "placebo" in r["arm"].lower()
        ax.plot([100 * r["lower"], 100 * r["upper"]], [yi, yi], color=c, lw=2, solid_capstyle="butt")
        ax.plot(100 * r["survival"], yi, marker="D" if not r["randomized"] else "s", ms=8, color=c,
                mfc="white" if placebo else c, mew=2)
        ax.text(1.04, yi, f"{r['survivors']}/{r['n']}   {100 * r['survival']:.0f}%\n"
                f"({100 * r['lower']:.0f}-{100 * r['upper']:.0f}), day {r['horizon']:g}",
                va="center", fontsize=SMALL, transform=ax.get_yaxis_transform())
        if previous is not None and r["trial"] != previous:
            ax.axhline(yi + 0.5, color="#bbbbbb", lw=0.6, ls=":")
        previous = r["trial"]
    ax.text(1.04, len(table) - 0.3, f"alive/n   %\n({level:g}% CI), horizon", fontsize=SMALL, weight="bold",
            va="bottom", transform=ax.get_yaxis_transform())
    ax.set_yticks(y)
    ax.set_yticklabels([f"{t.split(' (')[0]}:\n" + textwrap.fill(a, 34)
                        for t, a in zip(table["trial"], table["arm"], strict=True)],
                       fontsize=SMALL)  # two lines each: the figure stays narrow enough for its text
    ax.set_ylim(-0.7, len(table) - 0.1)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"alive at day 28-29 (%), exact (Clopper-Pearson) {level:g}% interval")
    handles = [Line2D([], [], color=c, lw=2, label=g) for g, c in colours.items() if (table["group"] == g).any()]
    handles.append(Line2D([], [], color="#1f77b4", marker="s", mfc="white", mew=2, lw=0, label="placebo arm"))
    if band is not None:
        handles.append(Patch(color="#fdd49e", alpha=0.6, label=band_label or "range"))
    fig.legend(handles=handles, loc="lower left", frameon=False, bbox_to_anchor=(0.0, 0.0), ncol=2)
    ax.grid(axis="x", color="#dddddd", lw=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.3, right=0.76, bottom=0.22, top=0.92)
    return fig


def steroid_pct(record: dict) -> float:
    """Percentage of a trial's patients who received steroids (``population.steroids_received``)."""
    steroids = record["population"]["steroids_received"]
    return 100 * steroids["events"] / steroids["n"]


def page_values(study=None, registry_dir: str | Path | None = None) -> dict[str, object]:
    """Every number the registry page quotes; they come from the records, not the study folder.

    Parameters
    ----------
    study : ruxlib.io.Study, optional
        Not used: the page compares the registry records only (the argument keeps the entry
        point's signature, see :mod:`ruxlib.pages`).
    registry_dir : path, optional
        Folder of the records (default :data:`REGISTRY_DIR`).

    Returns
    -------
    dict
        ``registry-*`` names → values: the number of records; per record
        (``registry-<nct>-``) its size, inclusion and exclusion criteria and outcome measures;
        the paper's screened patients, dose and primary horizon; RUXCOVID-DEVENT's horizon and
        percentage on steroids.
    """
    records = load_all(registry_dir)
    out: dict[str, object] = {"registry-n-records": len(records)}
    for nct, r in records.items():
        key = f"registry-{nct.lower()}"
        out |= {f"{key}-n": r["enrolment"]["n"], f"{key}-n-incl": len(r["eligibility"]["inclusion"]),
                f"{key}-n-excl": len(r["eligibility"]["exclusion"]), f"{key}-n-outcomes": len(r["outcomes"])}
    paper, devent = records["NCT04359290"], records["NCT04377620"]
    return out | {
        "registry-paper-screened": paper["enrolment"]["screened"],
        "registry-paper-dose": paper["arms"][0]["dose_mg"],
        "registry-paper-horizon": paper["outcomes"][0]["time_frame_days"],
        "registry-devent-horizon": devent["results"]["horizon_days"],
        "registry-devent-steroid-pct": steroid_pct(devent),
    }
