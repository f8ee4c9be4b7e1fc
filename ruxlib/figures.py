"""Figures drawn from fitted results; nothing here estimates anything.

The Kaplan-Meier figure takes the tables of :func:`ruxlib.survival.km_table`
(or :func:`~ruxlib.survival.km_estimate`, :func:`~ruxlib.survival.km_by_group`)
and draws them; the numbers at risk come from the same tables.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .survival import n_at_risk, survival_at

__all__ = ["DPI", "FONT", "SMALL", "SMALLEST_TEXT_KEY", "WIDTH", "add_at_risk_table", "horizon_text", "km_plot",
           "png", "smallest_text_px", "style", "styled"]

#: Widest figure, in inches. The book's text column is about 690 px wide, so a
#: figure of this width is shown at 690 / WIDTH = 92 CSS px per inch, and a
#: font of F points at F * 92 / 96 points as displayed (CSS has 96 px per inch):
#: :data:`SMALL` (10 pt) shows as 9.6 pt. Wider figures shrink their text below that.
WIDTH = 7.5
#: Body font size (axis labels, titles), in points.
FONT = 11.0
#: Smallest font any figure uses (tick labels, annotations, legends, footnotes).
SMALL = 10.0
#: Resolution of the PNG: a :data:`WIDTH` figure is 1500 px wide, twice the column.
DPI = 200

_RC = {
    "figure.dpi": DPI,  # twice the column width: sharp on high-density screens and when enlarged
    "savefig.dpi": "figure",
    "font.size": FONT,
    "axes.titlesize": FONT + 1,
    "axes.labelsize": FONT,
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "legend.fontsize": SMALL,
    "legend.title_fontsize": SMALL,
    "figure.titlesize": FONT + 1,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@contextlib.contextmanager
def style():
    """The book's figure style, as a context manager: sizes, fonts and dpi.

    Every plotting function of ruxlib draws inside it (:func:`styled`), so text is
    at least :data:`SMALL` points on a figure at most :data:`WIDTH` inches wide,
    i.e. about 11 px or more as the book shows it.

    On exit, a notebook shows matplotlib figures with :func:`png` from then on. Only the
    style's own settings are restored on exit, unlike
    :func:`matplotlib.rc_context`: that one would also undo ``interactive``,
    which IPython's inline backend switches on when a page's first figure
    loads it, and no later figure of the page would be shown.

    >>> with style():
    ...     pass
    """
    import matplotlib as mpl

    saved = {key: mpl.rcParams[key] for key in _RC}
    mpl.rcParams.update(_RC)
    try:
        yield
    finally:
        mpl.rcParams.update(saved)
        _use_png()


def styled(func):
    """Decorator: run a plotting function inside :func:`style`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with style():
            return func(*args, **kwargs)

    return wrapper


#: PNG text key (``tEXt`` chunk) written by :func:`png`: the height, in the image's pixels, of
#: the smallest text the figure draws. Shown at a width of ``w`` CSS px, a PNG ``W`` px wide
#: shows that text at ``value * w / W`` px (the built-site test checks it is at least 9).
SMALLEST_TEXT_KEY = "ruxbook:smallest-text-px"


def smallest_text_px(fig) -> float | None:
    """Height in image pixels (font size × dpi / 72) of the smallest non-empty visible text of ``fig``.

    ``None`` when the figure draws no text.
    """
    from matplotlib.text import Text

    fig.draw_without_rendering()  # tick labels get their text when drawn
    hidden = set()  # an axes drawn with axis("off") does not draw its axes' tick labels and labels
    for ax in fig.axes:
        if not ax.axison:
            for axis in (ax.xaxis, ax.yaxis):
                hidden.update(map(id, [*axis.get_ticklabels(which="both"), axis.label, axis.offsetText]))
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and id(t) not in hidden]
    return round(min(sizes) * fig.dpi / 72, 2) if sizes else None


def png(fig) -> str:
    """``fig`` as a notebook shows it: a base64 PNG at the figure's dpi, cropped to its content
    (as IPython's inline backend does), carrying :data:`SMALLEST_TEXT_KEY`."""
    import base64
    import io

    smallest = smallest_text_px(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight",
                metadata={SMALLEST_TEXT_KEY: f"{smallest}"} if smallest else None)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _use_png() -> None:
    """In IPython, display matplotlib figures with :func:`png` (after the inline backend set its own)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    shell = get_ipython()
    if shell is not None:
        from matplotlib.figure import Figure

        shell.display_formatter.formatters["image/png"].for_type(Figure, png)


def _step_xy(km: pd.DataFrame, end: float, column: str, extend_to: float) -> tuple[np.ndarray, np.ndarray]:
    """Points of the right-continuous step function, starting at (0, 1).

    Steps at times up to ``end`` are kept; the last level is drawn on to
    ``extend_to`` so a step at ``end`` stays visible.
    """
    x = np.concatenate([[0.0], km["time"].to_numpy(float)])
    y = np.concatenate([[1.0], km[column].to_numpy(float)])
    keep = x <= end
    x, y = x[keep], y[keep]
    stop = max(end, extend_to)
    if x[-1] < stop:
        x = np.append(x, stop)
        y = np.append(y, y[-1])
    return x, y


def add_at_risk_table(ax, curves: Mapping[str, pd.DataFrame], times: Sequence[float], colors: Sequence) -> None:
    """Write the numbers at risk under a Kaplan-Meier plot, one row per curve.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The (empty) axes under the curves, sharing their x axis.
    curves : mapping of str to pandas.DataFrame
        Label -> Kaplan-Meier table; the count at day t is
        :func:`ruxlib.survival.n_at_risk` (subjects with time >= t).
    times : sequence of float
        Days at which the numbers are printed.
    colors : sequence of matplotlib colours
        One per curve (recycled).
    """
    n_rows = len(curves)
    for i, (label, km) in enumerate(curves.items()):
        color = colors[i % len(colors)]
        y_row = n_rows - 1 - i
        for t in times:
            ax.text(t, y_row, str(n_at_risk(km, t)), ha="center", va="center", fontsize=SMALL, color=color)
        ax.text(-0.02, y_row, label, ha="right", va="center", fontsize=SMALL, color=color,
                transform=ax.get_yaxis_transform())
    ax.set_ylim(-0.6, n_rows - 0.4)
    ax.set_yticks([])
    ax.tick_params(axis="x", bottom=False, labelbottom=False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title("Number at risk", fontsize=SMALL, loc="left", pad=2)


def horizon_text(km: pd.DataFrame, horizon: float, level: float = 95, label: str | None = None) -> str:
    """The estimate and confidence interval at ``horizon`` as printed on a Kaplan-Meier figure.

    Parameters
    ----------
    km : pandas.DataFrame
        A Kaplan-Meier table (:func:`ruxlib.survival.km_table`), read at ``horizon`` by
        :func:`ruxlib.survival.survival_at`.
    horizon : float
        The day.
    level : float, default 95
        Confidence level of the table's bounds, in percent.
    label : str, optional
        Name of the curve, put first.

    Returns
    -------
    str
        E.g. ``"Day 28: 50.0 % (95 % CI 5.8 to 84.5)"``; the interval is left out where the
        table has none (a bound that is missing).

    Examples
    --------
    >>> km = pd.DataFrame({"time": [10.0], "n_risk": [2], "n_event": [1], "n_censor": [0],
    ...                    "surv": [0.5], "lower": [float("nan")], "upper": [float("nan")]})
    >>> horizon_text(km, 28, label="A")
    'A, day 28: 50.0 %'
    """
    row = survival_at(km, float(horizon))
    head = f"{label}, day {horizon:g}" if label else f"Day {horizon:g}"
    text = f"{head}: {100 * float(row['surv']):.1f} %"
    lo, hi = float(row["lower"]), float(row["upper"])
    if np.isfinite(lo) and np.isfinite(hi):
        text += f" ({level:g} % CI {100 * lo:.1f} to {100 * hi:.1f})"
    return text


def km_plot(
    curves: pd.DataFrame | Mapping[str, pd.DataFrame],
    horizon: float | None = None,
    risk_times=None,
    ci: bool = True,
    censor_marks: bool = True,
    xlabel: str = "Days since first dose",
    ylabel: str = "Overall survival",
    title: str | None = None,
    colors=None,
    figsize=(WIDTH, 5.4),
    group: str | None = None,
    level: float = 95,
    show_horizon: bool = True,
):
    """Kaplan-Meier figure: step curve(s), pointwise CI band, censor marks, numbers at risk.

    Parameters
    ----------
    curves : pandas.DataFrame or mapping of str to pandas.DataFrame
        A Kaplan-Meier table (:func:`ruxlib.survival.km_table`), or one per
        group (:func:`ruxlib.survival.km_by_group`), drawn in mapping order.
    horizon : float, optional
        Last day shown: steps and censor marks after it are left out, and
        the last level is drawn on to 2.5 % past it (so a death exactly at
        the horizon stays visible). Default: the last time in ``curves``.
    risk_times : sequence of float, optional
        Days at which the number at risk is printed under the axis. Default:
        0 to the horizon in 7-day steps (or 5 even steps without a horizon).
    ci : bool, default True
        Draw the pointwise confidence band (gray for a single curve).
    censor_marks : bool, default True
        Mark censored subjects with "+" on the curve.
    xlabel, ylabel, title : str
    colors : sequence of matplotlib colours, optional
    figsize : tuple, default (:data:`WIDTH`, 5.4)
    group : str, optional
        Name of a single curve (``curves`` a DataFrame): its legend entry and
        the label of its number-at-risk row. Default: the legend says
        "Kaplan–Meier estimate" and the row "At risk".
    level : float, default 95
        Confidence level of the band, in percent, for the legend and the
        estimate printed at the horizon.
    show_horizon : bool, default True
        With a ``horizon``, print each curve's estimate and confidence interval
        at that day on the plot (:func:`horizon_text`), in the curve's colour,
        and mark it with a point and its interval.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; ``fig.axes[0]`` is the curve, ``fig.axes[1]`` the
        number-at-risk table (:func:`add_at_risk_table`). The y axis is in
        percent (the tables hold proportions; only the tick labels change).
    """
    with style():
        return _km_plot(curves, horizon, risk_times, ci, censor_marks, xlabel, ylabel, title, colors,
                                        figsize, group, level, show_horizon)


def _km_plot(curves, horizon, risk_times, ci, censor_marks, xlabel, ylabel, title, colors, figsize,
             group, level, show_horizon):
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    legend_label = None
    if isinstance(curves, pd.DataFrame):
        legend_label = group or "Kaplan–Meier estimate"
        curves = {group or "At risk": curves}
    single = len(curves) == 1
    last = max(float(km["time"].max()) for km in curves.values())
    end = float(horizon) if horizon is not None else last
    if risk_times is None:
        risk_times = np.arange(0, end + 1e-9, 7.0) if horizon is not None else np.linspace(0, end, 5).round()
    risk_times = [float(t) for t in risk_times if t <= end]
    if colors is None:
        colors = ["black"] if single else plt.rcParams["axes.prop_cycle"].by_key()["color"]

    # draw a little past the last day shown, so a step exactly at the horizon is visible
    draw_end = end * 1.025 if end > 0 else 1.0
    fig = plt.figure(figsize=figsize)
    grid = fig.add_gridspec(2, 1, height_ratios=[5, 0.4 * len(curves) + 0.3], hspace=0.5)
    ax = fig.add_subplot(grid[0])
    tab = fig.add_subplot(grid[1], sharex=ax)
    for i, (label, km) in enumerate(curves.items()):
        color = colors[i % len(colors)]
        x, y = _step_xy(km, end, "surv", draw_end)
        ax.step(x, y, where="post", color=color, lw=1.8, label=None if single else label)
        if ci:
            _, lo = _step_xy(km, end, "lower", draw_end)
            _, hi = _step_xy(km, end, "upper", draw_end)
            ax.fill_between(x, np.nan_to_num(lo), np.nan_to_num(hi, nan=0.0), step="post",
                            color="0.8" if single else color, alpha=0.6 if single else 0.2, lw=0)
        if censor_marks:
            cens = km[(km["n_censor"] > 0) & (km["time"] <= end)]
            ax.plot(cens["time"], cens["surv"], ls="none", marker="+", ms=9, mew=1.5, color=color)
    at_horizon = []  # legend entries: each curve's estimate and interval at the horizon
    if horizon is not None and show_horizon:
        for i, (label, km) in enumerate(curves.items()):
            color = colors[i % len(colors)]
            row = survival_at(km, end)
            lo, hi = float(row["lower"]), float(row["upper"])
            if np.isfinite(lo) and np.isfinite(hi):
                ax.plot([end, end], [lo, hi], color=color, lw=1.2, label="_horizon")
            ax.plot([end], [float(row["surv"])], ls="none", marker="o", ms=5, color=color, label="_horizon")
            at_horizon.append(Line2D([], [], color=color, ls="none", marker="o", ms=5,
                                     label=horizon_text(km, end, level, None if single else label)))
    add_at_risk_table(tab, curves, risk_times, colors)
    ax.set_xlim(0, draw_end)
    ax.set_ylim(0, 1.02)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set_ylabel(f"{ylabel} (%)")
    ax.set_xticks(risk_times)
    ax.tick_params(labelbottom=True)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, loc="left")
    handles = [Line2D([], [], color=colors[i % len(colors)], lw=1.8, label=legend_label or label)
               for i, label in enumerate(curves)]
    if ci:
        handles.append(Patch(color="0.8" if single else "0.6", alpha=0.6 if single else 0.35,
                             label=f"{level:g} % pointwise confidence interval"))
    if censor_marks:
        handles.append(Line2D([], [], color="0.2", ls="none", marker="+", ms=9, mew=1.5, label="censored"))
    ax.legend(handles=handles + at_horizon, frameon=False, loc="lower left")
    ax.spines[["top", "right"]].set_visible(False)
    return fig
