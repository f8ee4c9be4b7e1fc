"""The ICU course (Fig. 2 of the paper): days in ICU, on invasive ventilation and on ECMO.

The ICU course lives in ``adicu.csv``: one row per episode (``PARAMCD`` ICU,
IMV or ECMO) with start and end study days ``ASTDY``/``AENDY`` (day 0 = first
dose; an episode may start before it).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .derive import itt_population
from .figures import SMALL, WIDTH, styled
from .io import Study

__all__ = ["EPISODES", "EXIT_CODES", "itt_subjects", "icu_days", "summarise_days", "ecmo_courses", "swimmer_plot",
           "exit_events", "exit_incidence", "ventilator_free_days", "page_values", "first_ventilation_day",
           "swimmer_view", "state_occupancy", "MAX_SWIMMERS", "OCCUPANCY_STATES"]

EPISODES = ("ICU", "IMV", "ECMO")
"""Episode types of ``adicu.csv``, outermost first."""

LABELS = {
    "ICU": "On ICU",
    "IMV": "Invasive ventilation",
    "ECMO": "ECMO",
}
COLOURS = {"ICU": "#c6dbef", "IMV": "#4292c6", "ECMO": "#08306b"}
HEIGHTS = {"ICU": 0.8, "IMV": 0.5, "ECMO": 0.22}
EOT_MARKERS = {
    "COMPLETED": ("s", "#2ca02c", "Treatment completed"),
    "DISCHARGED FROM ICU": ("^", "#2ca02c", "Stopped: discharged from ICU"),
    "TRANSFERRED": (">", "#7f7f7f", "Stopped: transferred"),
    "ADVERSE EVENT": ("D", "#ff7f0e", "Stopped: adverse event"),
    "DEATH": ("o", "#ffffff", "Stopped: death"),
}


def itt_subjects(study: Study) -> pd.Index:
    """USUBJIDs of the intention-to-treat population (``ITTFL == "Y"``), in adsl order."""
    return pd.Index(itt_population(study.adsl)["USUBJID"], name="USUBJID")


def icu_days(study: Study, horizon: float = 28) -> pd.DataFrame:
    """Days in ICU, on invasive ventilation (IMV) and on ECMO within ``[0, horizon]``.

    Parameters
    ----------
    study : Study
        Needs ``adicu``; subjects of the ITT population without an episode get 0.
    horizon : float, default 28
        Last study day counted.

    Returns
    -------
    DataFrame
        Indexed by USUBJID (every ITT subject), columns ``ICU``, ``IMV``, ``ECMO``
        (days, float).

    Notes
    -----
    Algorithm

    1. Clip every episode to the window: start ``max(ASTDY, 0)``, end
       ``min(AENDY, horizon)``.
    2. Its days in the window are ``max(0, end - start)`` (an episode entirely
       outside the window counts 0).
    3. Sum per subject and episode type. Overlapping episodes of the same type
       are summed as recorded (the data contract does not allow them).

    Examples
    --------
    An ICU stay from day -3 to day 40 counts 28 days with the default horizon;
    one from day 2 to day 12 counts 10.
    """
    if study.adicu is None:
        raise ValueError("this study folder has no adicu.csv")
    subjects = itt_subjects(study)
    ep = study.adicu
    start = ep["ASTDY"].clip(lower=0)
    end = ep["AENDY"].clip(upper=horizon)
    days = (end - start).clip(lower=0)
    table = (
        pd.DataFrame({"USUBJID": ep["USUBJID"], "PARAMCD": ep["PARAMCD"], "DAYS": days})
        .pivot_table(index="USUBJID", columns="PARAMCD", values="DAYS", aggfunc="sum")
        .reindex(index=subjects, columns=list(EPISODES))
        .fillna(0.0)
        .astype(float)
    )
    table.columns.name = None
    return table


def summarise_days(days: pd.DataFrame) -> pd.DataFrame:
    """Median and range of each column of :func:`icu_days`, and how many subjects had any.

    Returns
    -------
    DataFrame
        One row per episode type: ``n`` (subjects), ``n_any`` (subjects with
        more than 0 days), ``median``, ``min``, ``max`` (over all subjects) and
        ``median_any``, ``min_any``, ``max_any`` (over those with any).
    """
    rows = {}
    for col in days.columns:
        x = days[col]
        pos = x[x > 0]
        rows[col] = {
            "n": int(x.size),
            "n_any": int(pos.size),
            "median": float(x.median()) if x.size else np.nan,
            "min": float(x.min()) if x.size else np.nan,
            "max": float(x.max()) if x.size else np.nan,
            "median_any": float(pos.median()) if pos.size else np.nan,
            "min_any": float(pos.min()) if pos.size else np.nan,
            "max_any": float(pos.max()) if pos.size else np.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


EXIT_CODES = {0: "censored (transferred)", 1: "left alive", 2: "died"}
"""Event codes of :func:`exit_events`: 0 censored, 1 the episode ended alive, 2 death (the competing risk)."""


def exit_events(study: Study, episode: str = "ICU") -> pd.DataFrame:
    """How and when each ITT patient's ``episode`` (ICU stay or invasive ventilation) ended: the transfer rule.

    Parameters
    ----------
    study : Study
        Needs ``adicu`` and adsl ``DTHDY`` and ``EOTREAS``.
    episode : {"ICU", "IMV"}, default "ICU"

    Returns
    -------
    pandas.DataFrame
        Indexed by USUBJID (ITT patients with an ``episode``): ``time`` (study day
        the episode ended) and ``event`` (:data:`EXIT_CODES`).

    Raises
    ------
    ValueError
        Without adicu.csv or adsl ``DTHDY``/``EOTREAS``, or for an episode other than ICU or IMV.

    Notes
    -----
    Algorithm (one rule for every patient)

    1. The episode ends at the latest ``AENDY`` of the patient's ``episode`` rows;
       the ICU stay ends at the latest ``AENDY`` of the ICU rows.
    2. Died on or before that day (``DTHDY <= end``): event 2 at ``DTHDY``.
    3. Else, treatment ended by transfer (``EOTREAS == "TRANSFERRED"``) and the
       episode lasted to the end of the ICU stay: the patient left for another
       hospital still in that state, so the outcome is unknown: censored (0) at the end.
    4. Else the episode ended alive: event 1 at the end.

    A patient whose episode ended before the first dose (``AENDY < 0``) was not in it at
    day 0, the time origin, and is left out.
    """
    if study.adicu is None:
        raise ValueError("this study folder has no adicu.csv")
    if episode not in ("ICU", "IMV"):
        raise ValueError(f"episode must be 'ICU' or 'IMV'; got {episode!r}")
    for col in ("DTHDY", "EOTREAS"):
        if col not in study.adsl:
            raise ValueError(f"adsl.csv has no {col} column; the exit of an episode needs it (death, transfer)")
    ends = study.adicu.groupby(["PARAMCD", "USUBJID"])["AENDY"].max()
    end = ends.xs(episode, level="PARAMCD") if episode in ends.index.get_level_values(0) else pd.Series(dtype=float)
    subjects = pd.Index(itt_subjects(study))
    subjects = subjects[subjects.isin(end.index)]
    end = end.reindex(subjects).astype(float)
    subjects, end = subjects[(end >= 0).to_numpy()], end[end >= 0]
    icu = ends.xs("ICU", level="PARAMCD") if "ICU" in ends.index.get_level_values(0) else pd.Series(dtype=float)
    icu_end = icu.reindex(subjects).astype(float).fillna(end)
    adsl = study.adsl.drop_duplicates("USUBJID").set_index("USUBJID").reindex(subjects)
    death = pd.to_numeric(adsl["DTHDY"], errors="coerce")
    died = (death.notna() & (death <= end)).to_numpy()
    transferred = (adsl["EOTREAS"].eq("TRANSFERRED") & (end >= icu_end)).to_numpy()
    out = pd.DataFrame({
        "USUBJID": subjects,
        "time": np.where(died, death.to_numpy(float), end.to_numpy(float)),
        "event": np.select([died, transferred], [2, 0], default=1),
    })
    return out.set_index("USUBJID")


def exit_incidence(study: Study, episode: str = "ICU") -> pd.DataFrame:
    """Cumulative incidence of leaving ``episode`` alive (``cif1``) and of death in it (``cif2``).

    :func:`exit_events` handed to :func:`ruxlib.survival.aalen_johansen`; the
    columns of a cause nobody had are 0. Time is days from the first dose.
    """
    from .survival import aalen_johansen

    ev = exit_events(study, episode)
    aj = aalen_johansen(ev["time"], ev["event"])
    for k in (1, 2):
        aj[f"d{k}"] = aj.get(f"d{k}", 0)
        aj[f"cif{k}"] = aj.get(f"cif{k}", 0.0)
    return aj[["time", "n_risk", "n_censor", "d1", "cif1", "d2", "cif2", "surv"]]


def ventilator_free_days(study: Study, horizon: float = 28, transferred: str = "missing") -> pd.Series:
    """Ventilator-free days to ``horizon``, deaths scored 0 (Schoenfeld & Bernard 2002).

    Parameters
    ----------
    study : Study
        Needs ``adicu`` and adsl ``DTHDY``, ``EOTREAS``.
    horizon : float, default 28
    transferred : {"missing", "worst", "best"}, default "missing"
        A patient transferred while still ventilated (:func:`exit_events` code 0)
        has an unknown course after transfer: NaN ("missing"), 0 ("worst":
        ventilated to the horizon) or counted as if extubated on the day of transfer ("best").

    Returns
    -------
    pandas.Series
        VFD per ITT patient (index USUBJID), float.

    Notes
    -----
    Algorithm

    1. Died on or before the horizon (``DTHDY <= horizon``): 0.
    2. Else VFD = horizon - days on invasive ventilation within [0, horizon]
       (:func:`icu_days`, column ``IMV``), at least 0; patients with no
       ventilation get the horizon.
    3. Transferred while ventilated: as ``transferred`` says.

    References
    ----------
    Schoenfeld DA, Bernard GR (2002). Crit Care Med 30:1772-1777.
    Yehya N, Harhay MO, Curley MAQ, Schoenfeld DA, Reeder RW (2019). Am J Respir
    Crit Care Med 200:828-836 (reporting ventilator-free days).
    """
    if transferred not in ("missing", "worst", "best"):
        raise ValueError(f"transferred must be 'missing', 'worst' or 'best'; got {transferred!r}")
    days = icu_days(study, horizon)["IMV"]
    vfd = (horizon - days).clip(lower=0)
    death = _death_days(study).reindex(vfd.index)
    vfd[death.le(horizon).to_numpy()] = 0.0
    ev = exit_events(study, "IMV")
    open_ = ev.index[(ev["event"] == 0) & (ev["time"] < horizon)]
    if transferred == "missing":
        vfd[open_] = np.nan
    elif transferred == "worst":
        vfd[open_] = 0.0
    return vfd.rename("VFD")


def _death_days(study: Study) -> pd.Series:
    """Study day of death per subject (adsl ``DTHDY``), NaN if censored or no OS record."""
    return study.adsl.set_index("USUBJID")["DTHDY"]


STATUS_ORDER = ("DEAD", "ICU VENTILATED", "ICU", "ACUTE CARE", "DISCHARGED")
STATUS_TEXT = {
    "DEAD": "Dead",
    "ICU VENTILATED": "ICU, ventilated",
    "ICU": "ICU",
    "ACUTE CARE": "Acute care",
    "DISCHARGED": "Discharged",
}


def _outcome_order(study: Study, days: pd.DataFrame, death: pd.Series, horizon: float) -> pd.Index:
    """Patients sorted by outcome, then by time.

    Died by the horizon first (earliest death on top); then by day-28 status
    (``D28STAT``: ICU ventilated, ICU, acute care, discharged, other), within a
    status by days in ICU, longest first.
    """
    d = death.reindex(days.index)
    dead = d.le(horizon).to_numpy()
    if "D28STAT" in study.adsl:
        status = study.adsl.set_index("USUBJID")["D28STAT"].reindex(days.index)
        rank = status.map({s: i for i, s in enumerate(STATUS_ORDER)}).fillna(len(STATUS_ORDER))
    else:
        rank = pd.Series(1, index=days.index)
    key = pd.DataFrame(
        {
            "group": np.where(dead, -1, rank.to_numpy()),
            "t": np.where(dead, d.fillna(0).to_numpy(), 0.0),
            "icu": -days["ICU"],
            "imv": -days["IMV"],
        },
        index=days.index,
    )
    return key.sort_values(["group", "t", "icu", "imv"], kind="stable").index


MAX_SWIMMERS = 60
"""Above this many patients :func:`swimmer_plot` draws the summary view (:func:`state_occupancy`)."""


def first_ventilation_day(study: Study) -> float:
    """The earliest study day any ITT patient was on invasive ventilation (at most 0).

    The swimmer plot starts here, so the days ventilated before the first dose show.
    0 without IMV episodes (or when all began on or after the first dose).
    """
    ep = study.adicu
    imv = ep[ep["PARAMCD"].eq("IMV") & ep["USUBJID"].isin(itt_subjects(study))]
    start = float(imv["ASTDY"].min()) if len(imv) else 0.0
    return min(np.floor(start), 0.0) if np.isfinite(start) else 0.0


def swimmer_view(n: int, max_patients: int = MAX_SWIMMERS) -> str:
    """``"patients"`` (one bar each) for up to ``max_patients`` patients, else ``"summary"``."""
    return "patients" if n <= max_patients else "summary"


OCCUPANCY_STATES = ("Dead", "ICU, ECMO", "ICU, ventilated", "ICU, not ventilated", "Out of ICU, alive",
                    "Transferred (unknown)")
OCCUPANCY_COLOURS = ("#252525", "#08306b", "#4292c6", "#c6dbef", "#a1d99b", "#d9d9d9")


def state_occupancy(study: Study, horizon: float = 28, start: float = 0, step: float = 1) -> pd.DataFrame:
    """How many ITT patients are in each state on each day: the swimmer plot's summary view.

    Parameters
    ----------
    study : Study
        Needs ``adicu``; uses adsl ``DTHDY`` and ``EOTREAS`` if present.
    horizon, start : float
        First and last study day (``start`` may be negative: days before the first dose).
    step : float, default 1
        Spacing of the days evaluated.

    Returns
    -------
    pandas.DataFrame
        Index ``day``; one column per :data:`OCCUPANCY_STATES`, counts of patients
        (each row sums to the ITT size).

    Notes
    -----
    On day ``t`` a patient is, in this order: dead (``DTHDY <= t``); transferred
    (censored by :func:`exit_events` at a time ``<= t``: the one transfer rule);
    on ECMO, ventilated or in the ICU (an episode with ``ASTDY <= t < AENDY``);
    otherwise out of the ICU alive (also before an ICU stay began).
    """
    subjects = itt_subjects(study)
    ep = study.adicu[study.adicu["USUBJID"].isin(subjects)]
    death = _death_days(study).reindex(subjects) if "DTHDY" in study.adsl else pd.Series(np.nan, index=subjects)
    censored = pd.Series(np.inf, index=subjects)
    if {"DTHDY", "EOTREAS"} <= set(study.adsl.columns):
        ev = exit_events(study, "ICU")
        cen = ev[ev["event"] == 0]["time"]
        censored[cen.index] = cen
    days = np.arange(start, horizon + step / 2, step)
    index = pd.Index(subjects)
    dead_day = death.to_numpy(float)
    gone_day = censored.to_numpy(float)
    codes = {k: index.get_indexer(ep.loc[ep["PARAMCD"].eq(k), "USUBJID"]) for k in EPISODES}
    spans = {k: (ep.loc[ep["PARAMCD"].eq(k), "ASTDY"].to_numpy(float), ep.loc[ep["PARAMCD"].eq(k), "AENDY"].to_numpy(float))
             for k in EPISODES}
    rows = []
    for t in days:  # one vectorised pass per day, the states in the order of the Notes
        on = {}
        for k in EPISODES:
            inside = (spans[k][0] <= t) & (spans[k][1] > t)
            flag = np.zeros(len(index), dtype=bool)
            flag[codes[k][inside & (codes[k] >= 0)]] = True
            on[k] = flag
        dead = dead_day <= t
        gone = ~dead & (gone_day <= t)
        ecmo = ~dead & ~gone & on["ECMO"]
        imv = ~dead & ~gone & ~ecmo & on["IMV"]
        in_icu = ~dead & ~gone & ~ecmo & ~imv & on["ICU"]
        counts = dict.fromkeys(OCCUPANCY_STATES, 0)
        counts.update({"Dead": int(dead.sum()), "Transferred (unknown)": int(gone.sum()), "ICU, ECMO": int(ecmo.sum()),
                       "ICU, ventilated": int(imv.sum()), "ICU, not ventilated": int(in_icu.sum())})
        counts["Out of ICU, alive"] = len(index) - sum(v for k, v in counts.items() if k != "Out of ICU, alive")
        rows.append(counts)
    return pd.DataFrame(rows, index=pd.Index(days, name="day"))


def _occupancy_plot(study: Study, horizon: float, start: float, ax, fig, max_patients: int):
    occ = state_occupancy(study, horizon, start, step=0.5)
    share = 100 * occ.div(occ.sum(axis=1), axis=0)
    ax.stackplot(share.index, share.T.to_numpy(), labels=OCCUPANCY_STATES, colors=OCCUPANCY_COLOURS,
                 step="post", edgecolor="none")
    ax.axvline(0, color="black", linewidth=1.2)
    ax.set_xlim(start, horizon)
    ax.set_ylim(0, 100)
    ax.set_ylabel("Patients (%)")
    ax.set_xlabel(f"Days since first dose of {study.drug}")
    ax.set_title(f"Summary view: {len(itt_subjects(study))} patients (more than {max_patients}, "
                 "too many for one bar each).\nShare of patients in each state per day; the line at day 0 is the first dose.",
                 fontsize=SMALL, loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False, fontsize=SMALL)
    fig.ruxbook_view = "summary"
    fig.tight_layout()
    return fig


@styled
def swimmer_plot(study: Study, horizon: float = 28, ax=None, max_patients: int = MAX_SWIMMERS):
    """Swimmer plot of the ICU course, one bar per patient (the paper's Fig. 2).

    The x axis starts at the first ventilation day (:func:`first_ventilation_day`), so
    the days ventilated before the first dose show; day 0 (first dose) is a vertical
    line. A death after ``horizon`` is marked at the right edge with its day. With more
    than ``max_patients`` patients the figure switches to the summary view: the share of
    patients in each state per day (:func:`state_occupancy`), with a note in its title;
    the figure's attribute ``ruxbook_view`` says which (``"patients"`` or ``"summary"``).

    Each bar shows, from the first ventilation day to ``horizon``, the ICU stay (wide, light),
    invasive mechanical ventilation (middle) and ECMO (narrow, dark). The end of
    treatment (``adsl.TRTDURD``) is marked with a symbol for ``EOTREAS``, a
    death (``adtte`` OS event) with a black cross (which replaces the
    end-of-treatment symbol when treatment ended by death), and ``D28STAT`` is written
    at the right. Patients who died by the horizon come first (earliest death
    on top), then the others by status at the horizon (ICU ventilated, ICU, acute care,
    discharged) and, within a status, by days in ICU, longest first.

    Parameters
    ----------
    study : Study
        Needs ``adicu``; uses ``adtte`` and adsl ``TRTDURD``/``EOTREAS``/``D28STAT`` if present.
    horizon : float, default 28
        Last study day shown.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is made when omitted.
    max_patients : int, default :data:`MAX_SWIMMERS`
        Above this many patients, the summary view.

    Returns
    -------
    matplotlib.figure.Figure
    """
    days = icu_days(study, horizon)
    death = _death_days(study)
    order = _outcome_order(study, days, death, horizon)
    n = len(order)
    start = first_ventilation_day(study)
    if swimmer_view(n, max_patients) == "summary":
        if ax is None:
            fig, ax = plt.subplots(figsize=(WIDTH, 4.8))
        return _occupancy_plot(study, horizon, start, ax, ax.figure, max_patients)
    if ax is None:
        fig, ax = plt.subplots(figsize=(WIDTH, 0.34 * n + 2.4))
    else:
        fig = ax.figure
    fig.ruxbook_view = "patients"
    ypos = {u: n - 1 - i for i, u in enumerate(order)}
    ep = study.adicu[study.adicu["USUBJID"].isin(order)]
    for kind in EPISODES:
        sub = ep[ep["PARAMCD"].eq(kind)]
        for _, r in sub.iterrows():
            a, b = max(r["ASTDY"], start), min(r["AENDY"], horizon)
            if b <= a:
                continue
            ax.barh(ypos[r["USUBJID"]], b - a, left=a, height=HEIGHTS[kind],
                    color=COLOURS[kind], edgecolor="none", zorder=2)
    adsl = study.adsl.set_index("USUBJID")
    handles = [Patch(facecolor=COLOURS[k], label=LABELS[k]) for k in EPISODES]
    used = set()
    died_by = death.reindex(order).le(horizon)
    if "TRTDURD" in adsl:
        for u in order:
            t = adsl.at[u, "TRTDURD"]
            if pd.isna(t):
                continue
            reason = adsl.at[u, "EOTREAS"] if "EOTREAS" in adsl else None
            if reason == "DEATH" and died_by[u]:
                continue  # the death cross says it
            marker, colour, _ = EOT_MARKERS.get(reason, ("|", "#000000", None))
            used.add(reason if reason in EOT_MARKERS else None)
            ax.plot(min(t, horizon), ypos[u], marker=marker, color=colour, markeredgecolor="black",
                    markersize=8, linestyle="none", zorder=4, clip_on=False)
    for reason, (marker, colour, label) in EOT_MARKERS.items():
        if reason in used:
            handles.append(Line2D([], [], marker=marker, color=colour, markeredgecolor="black",
                                  linestyle="none", markersize=8, label=label))
    if None in used:
        handles.append(Line2D([], [], marker="|", color="black", linestyle="none", markersize=10,
                              label="End of treatment (other reason)"))
    dead_in = death.reindex(order)
    dead_in = dead_in[dead_in.le(horizon)]
    for u, t in dead_in.items():
        ax.plot(t, ypos[u], marker="X", color="black", markersize=11, linestyle="none", zorder=5)
    if len(dead_in):
        handles.append(Line2D([], [], marker="X", color="black", linestyle="none", markersize=10,
                              label="Death"))
    later = death.reindex(order)
    later = later[later.gt(horizon)]
    for u in later.index:
        ax.plot(horizon, ypos[u], marker=">", color="black", markeredgecolor="black", markersize=8,
                linestyle="none", zorder=5, clip_on=False)
    if len(later):
        handles.append(Line2D([], [], marker=">", color="black", markeredgecolor="black", linestyle="none",
                              markersize=8, label=f"Died after day {horizon:g} (day at right)"))
    if "D28STAT" in adsl or len(later):
        for u in order:
            s = adsl.at[u, "D28STAT"] if "D28STAT" in adsl else None
            text = STATUS_TEXT.get(s, s.capitalize()) if isinstance(s, str) else ""
            if u in later.index:
                text = f"{text}; died day {later[u]:g}" if text else f"died day {later[u]:g}"
            if text:
                ax.text(horizon + 1.2, ypos[u], text, va="center", fontsize=SMALL, color="#333333")
        ax.text(horizon + 1.2, n - 0.2, f"Status at day {horizon:g}", fontsize=SMALL,
                fontweight="bold", va="bottom")
    ax.set_yticks([ypos[u] for u in order], list(order), fontsize=SMALL)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(start, horizon + 0.4)
    ticks = np.arange(0, horizon + 0.1, 7)
    ax.set_xticks(np.concatenate([np.arange(-7, start - 0.1, -7)[::-1], ticks]))
    ax.axvline(0, color="black", linewidth=1.2, zorder=3)
    if start < 0:
        ax.axvspan(start, 0, color="#f0f0f0", zorder=0)
        ax.text(start / 2, n - 0.25, "before\nfirst dose", ha="center", va="bottom", fontsize=SMALL, color="#555555")
    ax.set_xlabel(f"Days since first dose of {study.drug}")
    ax.set_ylabel("Patient")
    ax.grid(axis="x", color="#dddddd", zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.07 - 0.6 / (n + 4)),
              ncol=3, frameon=False, fontsize=SMALL)
    fig.tight_layout()
    return fig


def ecmo_courses(days: pd.DataFrame, horizon: float = 28) -> pd.DataFrame:
    """ECMO courses within the window: how many patients had how many days.

    Returns
    -------
    DataFrame
        One row per distinct number of ECMO days (> 0), ascending: ``days``,
        ``n`` (patients) and ``full`` (True when the course covers the whole
        window, i.e. days == horizon).
    """
    ecmo = days["ECMO"][days["ECMO"] > 0]
    counts = ecmo.value_counts().sort_index()
    return pd.DataFrame({"days": counts.index.astype(float), "n": counts.to_numpy(int),
                         "full": counts.index.to_numpy(float) >= horizon})


def page_values(study: Study, horizon: float = 28) -> dict[str, object]:
    """Every number the ICU-course page (``icu-course``) quotes: days on the ICU, ventilated, on ECMO.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    horizon : float
        The window, in days from the first dose.

    Returns
    -------
    dict
        ``icu-course-*`` names → values; also ``itt.n`` (the patients of Fig. 2) and
        ``ecmo.<days|n>_<short|full>`` (the shortest course shorter than the window and the
        courses covering it), values for the ledger. ``None`` without adicu.csv.
        Beyond the paper (:func:`_beyond_values`): the cumulative incidence at the horizon of
        leaving the ICU alive and of extubation alive, death competing, the naive 1 - KM beside
        it, the patients censored by transfer, and ventilator-free days.
    """
    out: dict[str, object] = {"icu-course-horizon": horizon, "itt.n": len(itt_subjects(study))}
    names = ["icu-course-n", "icu-course-ecmo-n", "icu-course-ecmo-text", "icu-course-full-icu",
             "ecmo.days_short", "ecmo.n_short", "ecmo.days_full", "ecmo.n_full"]
    names += [f"icu-course-{key}-{stat}" for key in ("icu", "imv") for stat in ("median", "min", "max")]
    names += [*BEYOND_NAMES, "icu-course-swimmer-start", "icu-course-swimmer-max"]
    if study.adicu is None:
        return out | dict.fromkeys(names)
    out.update(_beyond_values(study, horizon))
    out.update({"icu-course-swimmer-start": first_ventilation_day(study), "icu-course-swimmer-max": MAX_SWIMMERS})
    days = icu_days(study, horizon)
    summary = summarise_days(days)
    out.update({f"icu-course-{key}-{stat}": summary.loc[col, stat]
                for key, col in (("icu", "ICU"), ("imv", "IMV")) for stat in ("median", "min", "max")})
    courses = ecmo_courses(days, horizon)
    parts = [f"over the whole {horizon:g} days (n = {r.n})" if r.full else f"over {r.days:g} days (n = {r.n})"
             for r in courses.itertuples()]
    short, full = courses[~courses["full"]], courses[courses["full"]]
    out.update({
        "icu-course-n": len(days),
        "icu-course-ecmo-n": int(summary.loc["ECMO", "n_any"]),
        "icu-course-ecmo-text": " or ".join(parts) if parts else "(no ECMO course)",
        "icu-course-full-icu": int((days["ICU"] >= horizon).sum()),
        "ecmo.days_short": float(short["days"].iloc[0]) if len(short) else None,
        "ecmo.n_short": int(short["n"].iloc[0]) if len(short) else 0,
        "ecmo.days_full": float(horizon) if len(full) else None,
        "ecmo.n_full": int(full["n"].sum()),
    })
    return out


BEYOND_NAMES = tuple(f"icu-course-{e}-{v}" for e in ("icu", "imv")
                     for v in ("cif-alive", "cif-death", "naive", "transferred", "transferred-by")) + tuple(
    f"icu-course-vfd-{v}" for v in ("median", "q1", "q3", "n", "zero", "unknown", "median-worst", "median-best"))


def _cif_at(aj: pd.DataFrame, t: float) -> pd.Series:
    """The row of an Aalen-Johansen table in force at ``t`` (zeros before the first time)."""
    before = aj[aj["time"] <= t]
    return before.iloc[-1] if len(before) else pd.Series({"cif1": 0.0, "cif2": 0.0, "surv": 1.0})


def _beyond_values(study: Study, horizon: float) -> dict[str, object]:
    """The page's "Beyond the paper" numbers: competing-risk incidences and ventilator-free days."""
    from .survival import km_estimate, survival_at

    out: dict[str, object] = dict.fromkeys(BEYOND_NAMES)
    if not {"DTHDY", "EOTREAS"} <= set(study.adsl.columns):
        return out
    for key, episode in (("icu", "ICU"), ("imv", "IMV")):
        ev = exit_events(study, episode)
        if ev.empty:
            continue
        at = _cif_at(exit_incidence(study, episode), horizon)
        naive = 1 - float(survival_at(km_estimate(ev["time"], (ev["event"] == 1).astype(int)), horizon)["surv"])
        out.update({f"icu-course-{key}-cif-alive": 100 * float(at["cif1"]),
                    f"icu-course-{key}-cif-death": 100 * float(at["cif2"]),
                    f"icu-course-{key}-naive": 100 * naive,
                    f"icu-course-{key}-transferred": int((ev["event"] == 0).sum()),
                    f"icu-course-{key}-transferred-by": int(((ev["event"] == 0) & (ev["time"] <= horizon)).sum())})
    if exit_events(study, "IMV").empty:
        return out
    vfd = ventilator_free_days(study, horizon)
    known = vfd.dropna()
    out.update({"icu-course-vfd-median": float(known.median()) if len(known) else None,
                "icu-course-vfd-q1": float(known.quantile(0.25)) if len(known) else None,
                "icu-course-vfd-q3": float(known.quantile(0.75)) if len(known) else None,
                "icu-course-vfd-n": len(known), "icu-course-vfd-zero": int((known == 0).sum()),
                "icu-course-vfd-unknown": int(vfd.isna().sum()),
                "icu-course-vfd-median-worst": float(ventilator_free_days(study, horizon, "worst").median()),
                "icu-course-vfd-median-best": float(ventilator_free_days(study, horizon, "best").median())})
    return out
