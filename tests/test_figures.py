"""The book's figures (ruxlib.figures): what the Kaplan-Meier figure prints and labels."""

import matplotlib
import pandas as pd
import pytest

from ruxlib import figures, survival

matplotlib.use("Agg")


def adtte(times, events):
    return pd.DataFrame({"USUBJID": [f"S{i}" for i in range(len(times))], "PARAMCD": "OS",
                         "AVAL": times, "CNSR": [1 - e for e in events]})


# deaths at 10 and 28 of 4 at risk, one more at 40, one censored at 90: by hand,
# S(28) = 3/4 * 2/3 = 0.5; Greenwood Var(log S) = 1/(4*3) + 1/(3*2) = 0.25;
# log-log 95 % bounds 0.5 ** exp(±1.959964 * 0.5 / log 2) = 0.0578 and 0.8449.
D = adtte([10, 28, 40, 90], [1, 1, 1, 0])


def test_horizon_text_prints_the_estimate_and_interval_in_percent():
    km = survival.km_table(D)
    assert figures.horizon_text(km, 28) == "Day 28: 50.0 % (95 % CI 5.8 to 84.5)"
    assert figures.horizon_text(km, 5, level=90, label="A").startswith("A, day 5: 100.0 %")


def test_km_plot_is_in_percent_with_band_and_horizon_in_the_legend():
    import matplotlib.pyplot as plt

    fig = figures.km_plot(survival.km_table(D), horizon=28)
    ax, tab = fig.axes[:2]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0%", "20%", "40%", "60%", "80%", "100%"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Kaplan–Meier estimate", "95 % pointwise confidence interval", "censored",
                      "Day 28: 50.0 % (95 % CI 5.8 to 84.5)"]
    rows = [t.get_text() for t in tab.texts if not t.get_text().isdigit()]
    assert "At risk" in rows and "All" not in rows
    plt.close(fig)


def test_km_plot_labels_each_arm_and_its_estimate():
    import matplotlib.pyplot as plt

    d = adtte([10, 28, 40, 90, 5, 6, 50, 60], [1, 1, 1, 0, 1, 0, 0, 0])
    group = pd.Series(["A"] * 4 + ["B"] * 4, index=d["USUBJID"])
    fig = figures.km_plot(survival.km_by_group(d, group), horizon=28)
    ax, tab = fig.axes[:2]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["A", "B"]
    assert legend[-2] == "A, day 28: 50.0 % (95 % CI 5.8 to 84.5)"
    # arm B: one death of 4 at day 5, then 3 at risk and no death to day 28: 75.0 %
    assert legend[-1].startswith("B, day 28: 75.0 %")
    assert {"A", "B"} <= {t.get_text() for t in tab.texts}
    plt.close(fig)


def test_style_fonts_are_at_least_nine_points_as_displayed():
    # a WIDTH-inch figure is shown in a 690 px column: points shown = size * 690 / WIDTH / 96
    assert figures.SMALL * 690 / figures.WIDTH / 96 >= 9
    assert figures.DPI * figures.WIDTH >= 2 * 690  # PNG at twice the displayed width
    import matplotlib as mpl

    with figures.style():
        assert mpl.rcParams["xtick.labelsize"] >= figures.SMALL
        assert mpl.rcParams["figure.dpi"] == pytest.approx(figures.DPI)


def test_the_shown_png_records_its_smallest_text_in_image_pixels():
    import base64
    import io

    import matplotlib
    from PIL import Image

    from ruxlib.figures import SMALLEST_TEXT_KEY, png, smallest_text_px

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, off) = plt.subplots(1, 2, dpi=100)
    ax.set_xlabel("days", fontsize=12)
    ax.tick_params(labelsize=9)  # 9 pt at 100 dpi: 9 * 100 / 72 = 12.5 px
    off.axis("off")
    off.tick_params(labelsize=4)  # not drawn: its axes are off
    off.text(0.5, 0.5, "note", fontsize=10)
    assert smallest_text_px(fig) == 12.5
    shown = Image.open(io.BytesIO(base64.b64decode(png(fig))))
    assert shown.text[SMALLEST_TEXT_KEY] == "12.5"
    plt.close(fig)
