"""The paper's day-28 survival in context: the randomized trials' published arms and earlier series.

The context page (``context``) sets the study folder's survival at the horizon beside the arms
of RUXCOVID-DEVENT and RUXCOVID (from their registry records, :mod:`ruxlib.registry`) and the
historical range the paper cites (ledger rows ``ctx.disc.*``), and checks the randomized trials'
printed intervals and odds ratios. :func:`page_values` returns every number the page quotes.
"""

from __future__ import annotations

from pathlib import Path

from . import claims, registry
from .derive import itt_population
from .io import Study
from .stats import clopper_pearson
from .survival import status_at

__all__ = ["historical_range", "ledger_value", "page_values"]

DEVENT, RUXCOVID, PAPER = "NCT04377620", "NCT04362137", "NCT04359290"
"""NCT ids of RUXCOVID-DEVENT, RUXCOVID and the paper's own trial."""


def ledger_value(claim_id: str) -> float | None:
    """The number the paper prints for ledger row ``claim_id``; ``None`` without the ledger."""
    if not claims.default_path().exists():
        return None
    return float(claims.load_claims().set_index("id").loc[claim_id, "reported"])


def historical_range() -> tuple[float, float] | None:
    """Day-28 survival of the earlier COVID-19 ARDS series the paper cites, as proportions (low, high).

    ``None`` when the ledger (``data/published/claims.csv``) is not there.
    """
    low, high = ledger_value("ctx.disc.hist_low"), ledger_value("ctx.disc.hist_high")
    return None if low is None or high is None else (low / 100, high / 100)


def _odds_ratio_values(devent: dict, ruxcovid: dict) -> dict[str, object]:
    """The odds-ratio checks: DEVENT's 5 mg ratio in its two printings, RUXCOVID's composite."""
    five = next(c for c in devent["results"]["comparisons"] if "ci_upper_alternative" in c)
    est, low = float(five["estimate_reported"]), float(five["ci_reported"][0])
    up_table, up_abstract = float(five["ci_reported"][1]), float(five["ci_upper_alternative"])
    table = registry.check_log_symmetric_interval(est, low, up_table)
    abstract = registry.check_log_symmetric_interval(est, low, up_abstract)
    comp = ruxcovid["results"]["comparisons"][0]
    rux_est, (rux_low, rux_high) = float(comp["estimate_reported"]), map(float, comp["ci_reported"])
    composite = registry.check_published_intervals(ruxcovid)
    return {
        "context-or-est": est, "context-or-up-table": up_table, "context-or-up-abstract": up_abstract,
        "context-or-p-printed": float(five["p_reported"]),
        "context-or-centre-table": table.centre, "context-or-centre-abstract": abstract.centre,
        "context-or-p-table": table.p_one_sided, "context-or-p-abstract": abstract.p_one_sided,
        "context-ruxcovid-or": rux_est, "context-ruxcovid-or-low": rux_low, "context-ruxcovid-or-high": rux_high,
        "context-ruxcovid-p-printed": float(comp["p_reported"]),
        "context-ruxcovid-p": registry.check_log_symmetric_interval(rux_est, rux_low, rux_high).p_two_sided,
        "context-ruxcovid-rux-pct": composite.iloc[0]["percent"],
        "context-ruxcovid-pbo-pct": composite.iloc[1]["percent"],
    }


_STUDY_NAMES = ("alive", "n", "pct", "cp-low", "cp-high", "cens", "d15-surv", "d15-low", "d15-high",
                "pbo-surv", "pbo-low", "pbo-high")


def _study_values(study: Study, records: dict[str, dict], horizon: float, alpha: float) -> dict[str, object]:
    """The study folder's survival at ``horizon`` and, beside it, DEVENT's 15 mg and placebo arms (in %).

    ``None`` for every value when adtte.csv has no ``OS`` or the analysis set is empty.
    """
    out: dict[str, object] = {f"context-{name}": None for name in _STUDY_NAMES}
    if study.adtte is None or not study.adtte["PARAMCD"].eq("OS").any():
        return out
    status = status_at(itt_population(study.adsl), horizon=horizon)
    if not status.n:
        return out
    cp = clopper_pearson(status.alive, status.n, alpha=alpha)
    side = registry.survival_in_context(status.alive, status.n, records, horizon=horizon, alpha=alpha)
    devent = side[side["trial"].str.contains(DEVENT)].set_index("arm")
    d15, pbo = devent.loc["Ruxolitinib 15 mg BID"], devent.loc["Placebo"]
    return {
        "context-alive": status.alive, "context-n": status.n, "context-pct": 100 * status.alive / status.n,
        "context-cp-low": 100 * cp.lower, "context-cp-high": 100 * cp.upper, "context-cens": status.censored_before,
        "context-d15-surv": 100 * d15["survival"], "context-d15-low": 100 * d15["lower"],
        "context-d15-high": 100 * d15["upper"], "context-pbo-surv": 100 * pbo["survival"],
        "context-pbo-low": 100 * pbo["lower"], "context-pbo-high": 100 * pbo["upper"],
    }


def page_values(study: Study, horizon: float = 28, alpha: float = 0.05,
                registry_dir: str | Path | None = None) -> dict[str, object]:
    """Every number the context page quotes.

    Parameters
    ----------
    study : Study
    horizon : float
        Day of the survival status.
    alpha : float
        1 - level of the study folder's exact intervals (the published intervals stay at 95 %).
    registry_dir : path, optional
        Folder of the registry records (default ``data/registry``).

    Returns
    -------
    dict
        ``context-*`` names → values: the study folder's survival at ``horizon`` with its exact
        interval and DEVENT's arms beside it (``None`` without ``OS`` in adtte.csv), the paper's
        design facts from its record, the checks of the randomized trials' printed intervals
        and odds ratios, and the ledger's context numbers (``None`` without the ledger).
    """
    records = registry.load_all(registry_dir)
    devent, ruxcovid, paper = records[DEVENT], records[RUXCOVID], records[PAPER]
    historical = historical_range()
    checks = registry.check_published_intervals(devent)
    return {
        "context-horizon": horizon, "context-level": 100 * (1 - alpha),
        "context-hist-low": None if historical is None else 100 * historical[0],
        "context-hist-high": None if historical is None else 100 * historical[1],
        "context-dexa-reduction": ledger_value("ctx.intro.dexa_reduction_pct"),
        "context-screened": paper["enrolment"]["screened"], "context-enrolled": paper["enrolment"]["n"],
        "context-sites": paper["population"]["sites"], "context-devent-steroid-pct": registry.steroid_pct(devent),
        "context-devent-matched": int(checks["match"].sum()), "context-devent-arms": len(checks),
        **_odds_ratio_values(devent, ruxcovid),
        **_study_values(study, records, horizon, alpha),
    }
