"""Static figures (informeel_lib.report.figures): data drawn, suppression, Dutch labels, embedded PNG with alt text."""

import base64
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from informeel_lib.errors import AnalysisError
from informeel_lib.report import figures as plots


def _items():
    return pd.DataFrame({
        "A1": [1, 2, 3, 4, 5, 5, 5, 4, np.nan, 2],   # 9 answers
        "A2": [5, 5, 5, 5, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],  # 4 answers: suppressed
        "A3": [3, 3, 3, 3, 3, 3, 1, 1, 5, 5],
    })


def test_likert_distribution_counts_and_suppresses_small_items():
    dist = plots.likert_distribution(_items(), min_group=5)
    assert list(dist.index) == ["A1", "A3"]  # A2 has only 4 answers
    assert dist.loc["A1", "n"] == 9
    np.testing.assert_allclose(dist.loc["A1", [1, 2, 3, 4, 5]].to_numpy(float), [1 / 9, 2 / 9, 1 / 9, 2 / 9, 3 / 9])
    np.testing.assert_allclose(dist.loc["A3", [1, 2, 3, 4, 5]].to_numpy(float), [0.2, 0, 0.6, 0, 0.2])
    np.testing.assert_allclose(dist[[1, 2, 3, 4, 5]].sum(axis=1), 1.0)


def test_likert_bars_are_centred_on_neutral():
    fig = plots.likert_bars(_items(), labels={"A1": "Eerste"}, value_labels={1: "helemaal mee oneens"})
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == 2 * 5  # two items shown, five categories
    # item A3 is drawn at y = 0 (A1 above it); its first bar starts at -(share 1 + share 2 + half of neutral)
    a3_first = [b for b in bars if abs(b.get_y() + b.get_height() / 2 - 0) < 1e-9][0]
    assert a3_first.get_x() == pytest.approx(-(0.2 + 0 + 0.3))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Eerste (n = 9)", "A3 (n = 10)"]  # first item on top
    assert ax.get_legend().get_texts()[0].get_text() == "helemaal mee oneens"


def test_likert_bars_raise_when_everything_is_suppressed():
    with pytest.raises(AnalysisError, match="minstens 5"):
        plots.likert_bars(_items()[["A2"]])


def test_group_means_draws_given_groups_and_highlight():
    tab = pd.DataFrame({"group": ["ZINN", "Treant"], "mean": [3.8, 3.6], "bi": [0.1, 0.2]})
    fig = plots.group_means(tab, group="group", ci="bi", highlight="ZINN")
    ax = fig.axes[0]
    dots = [c for c in ax.collections if isinstance(c, PathCollection)][0]
    np.testing.assert_allclose(dots.get_offsets()[:, 0], [3.8, 3.6])
    colours = dots.get_facecolors()
    assert not np.allclose(colours[0], colours[1])  # the highlighted group stands out
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ZINN", "Treant"]
    with pytest.raises(AnalysisError):
        plots.group_means(tab.iloc[:0], group="group")


def test_scree_and_coefficient_plots():
    fig = plots.scree_plot([3.0, 1.5, 0.5], [1.2, 1.1, 1.0], n_factors=2)
    lines = fig.axes[0].get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), [3.0, 1.5, 0.5])
    np.testing.assert_allclose(lines[1].get_ydata(), [1.2, 1.1, 1.0])
    coefs = pd.DataFrame({"term": ["a", "b"], "b": [0.3, -0.05], "ci_low": [0.1, -0.2], "ci_high": [0.5, 0.1]})
    fig = plots.coefficient_plot(coefs)
    dots = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)][0]
    np.testing.assert_allclose(dots.get_offsets()[:, 0], [0.3, -0.05])
    # significant (CI excludes 0) and non-significant terms get different colours
    assert not np.allclose(dots.get_facecolors()[0], dots.get_facecolors()[1])


def test_round_lines_one_line_per_group():
    tab = pd.DataFrame({"round": ["2021-11", "2022-05"] * 2, "group": ["A", "A", "B", "B"],
                        "mean": [3.0, 3.2, 2.8, 2.9]})
    fig = plots.round_lines(tab, highlight="A")
    assert len(fig.axes[0].get_lines()) == 2


def test_axis_labels_use_decimal_comma():
    tab = pd.DataFrame({"group": ["x"], "mean": [2.5]})
    fig = plots.group_means(tab, group="group")
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "2,5" in ticks and not any("." in t for t in ticks)


def test_img_html_embeds_png_with_escaped_alt_text():
    fig = Figure()
    fig.subplots().plot([1, 2])
    tag = plots.img_html(fig, alt='Lijn "stijgend" <1>')
    assert 'alt="Lijn &quot;stijgend&quot; &lt;1&gt;"' in tag
    data = re.search(r'src="data:image/png;base64,([^"]+)"', tag).group(1)
    assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        plots.img_html(fig, alt="  ")


def _benchmark_table():
    rows = []
    for scale, (m1, m2) in {"Reflectie": (3.8, 3.6), "Leiding": (3.1, 3.4)}.items():
        rows.append({"scale": scale, "group": "ZINN", "mean": m1, "ci_low": m1 - 0.2, "ci_high": m1 + 0.2})
        rows.append({"scale": scale, "group": "rest van het netwerk", "mean": m2, "ci_low": m2 - 0.1,
                     "ci_high": m2 + 0.1})
    return pd.DataFrame(rows)


def test_comparison_means_draws_both_groups_per_scale_with_intervals_and_a_legend():
    fig = plots.comparison_means(_benchmark_table(), groups=("ZINN", "rest van het netwerk"))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Reflectie", "Leiding"]  # first scale on top
    markers = {ln.get_label(): ln for ln in ax.get_lines()}
    np.testing.assert_allclose(markers["ZINN"].get_xdata(), [3.8, 3.1])
    np.testing.assert_allclose(markers["rest van het netwerk"].get_xdata(), [3.6, 3.4])
    # side by side: the organisation just above the scale's row, the rest just below
    z_y, r_y = markers["ZINN"].get_ydata(), markers["rest van het netwerk"].get_ydata()
    assert np.all(z_y > r_y) and np.all(np.abs(z_y - r_y) < 0.5)
    segments = [seg for coll in ax.collections for seg in coll.get_segments()]
    spans = sorted((round(s[0][0], 6), round(s[1][0], 6)) for s in segments)
    assert spans == sorted([(3.6, 4.0), (2.9, 3.3), (3.5, 3.7), (3.3, 3.5)])  # one 95%-CI per group and scale
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["ZINN", "rest van het netwerk"]
    with pytest.raises(AnalysisError):
        plots.comparison_means(_benchmark_table().iloc[:0], groups=("ZINN", "rest van het netwerk"))


def test_negative_tick_labels_use_the_minus_sign():
    coefs = pd.DataFrame({"term": ["a", "b"], "b": [0.3, -0.25], "ci_low": [0.1, -0.45], "ci_high": [0.5, -0.05]})
    fig = plots.coefficient_plot(coefs)
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert any(t.startswith("\u2212") for t in ticks)  # e.g. "−0,20"
    assert not any("-" in t or "." in t for t in ticks)
