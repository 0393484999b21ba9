"""Figures draw exactly the numbers of the frames they are given, mark estimates visibly and
switch language; plotting functions never load data."""

from __future__ import annotations

import inspect

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from analysis.compute import audit, metrics
from analysis.data.checks import load_checks
from analysis.data.codebook import load_codebook
from analysis.data.external import load_targets
from analysis.reading import similarity, themes  # noqa: E402
from analysis.show import plots, style

PY = "Phú Yên"





@pytest.fixture(scope="module")
def traj(claims):
    return metrics.trajectory(claims, PY)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(ax) -> str:
    return "\n".join(t.get_text() for t in ax.texts)


@pytest.mark.parametrize("lang, estimate, tick", [("vi", "Dự ước", "đầu\n2016"),
                                                  ("en", "Estimate", "start\nof 2016")])
def test_trajectory_draws_the_points_and_a_hollow_dashed_estimate(traj, lang, estimate, tick):
    ax = plots.trajectory_plot(traj, lang=lang)
    solid = [ln for ln in ax.lines if ln.get_linestyle() == "-"]
    assert list(solid[0].get_ydata()) == [12.62, 3.93]
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert list(dashed[0].get_ydata()) == [3.93, 2.54]
    hollow = [ln for ln in ax.lines if ln.get_markerfacecolor() in ("white", (1, 1, 1, 1))]
    assert [list(h.get_ydata()) for h in hollow] == [[2.54]]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(estimate in x for x in legend)
    assert ax.get_xticklabels()[0].get_text() == tick
    sep = "," if lang == "vi" else "."
    assert f"12{sep}62%" in _texts(ax)


def test_annual_fall_bars_and_target_lines(traj):
    falls = metrics.annual_falls(traj)
    cmp = metrics.target_comparison(falls, load_targets())
    ax = plots.annual_fall_plot(falls, cmp, lang="en")
    fig = plots.trajectory_figure(traj, falls, cmp, lang="en")
    under = [x.get_text() for x in fig.legends[0].get_texts()]  # moved under both panels
    assert "Quyết định 1722/QĐ-TTg (national): 1–1.5" in under
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0
            and p.get_height() < 1]
    widths = sorted(round(b.get_width(), 4) for b in bars)
    assert widths == [round((12.62 - 2.54) / 5, 4), round((12.62 - 3.93) / 4, 4)]
    assert sum(1 for b in bars if b.get_hatch()) == 1  # the estimate
    vlines = sorted({ln.get_xdata()[0] for ln in ax.lines})
    assert vlines == [2, 4]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Quyết định 1722/QĐ-TTg (national): 1–1.5" in legend


def test_implied_totals_bars(traj):
    totals = metrics.implied_totals(traj)
    ax = plots.implied_totals_plot(totals, metrics.total_growth(totals), lang="vi")
    heights = [p.get_height() for p in ax.patches if isinstance(p, Rectangle)][:2]
    assert heights == pytest.approx([30803 / 0.1262, 10271 / 0.0393])
    assert "≈244.081" in _texts(ax)


def test_repoverty_figure(claims):
    fig = plots.repoverty_figure(metrics.repoverty(claims, PY),
                                 metrics.repoverty_difference(claims, PY),
                                 metrics.escaped_per_year(claims, PY), lang="vi")
    left, right = fig.axes
    heights = [p.get_height() for p in left.patches if isinstance(p, Rectangle)][:2]
    assert heights == [12.97, 7.1]
    assert "−5,87 điểm %" in _texts(left) and "“5,87%”" in _texts(left)
    per_year = {p.get_height() for p in right.patches if isinstance(p, Rectangle)
                and p.get_hatch()}
    assert per_year == {37600 / 5}
    assert "hơn 37.600" in _texts(right)


def test_theme_heatmap(lessons):
    codebook = load_codebook()
    matrix = metrics.theme_matrix(themes.code_lessons(lessons, codebook), lessons, codebook,
                                  "en")
    ax = plots.theme_heatmap(matrix, lang="en", highlight="An Giang")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Phú Yên", "Hải Dương", "An Giang"]
    assert sum(int(t.get_text()) for t in ax.texts) == int(matrix.to_numpy().sum())
    assert ax.get_xticklabels()[2].get_fontweight() == "bold"
    assert ax.get_title() == "Lesson themes by province (number of lessons)"


def test_similarity_heatmap_boxes_the_reused_pair(lessons):
    pairs = similarity.lesson_pairs(lessons)
    reused = similarity.reused_pairs(lessons)
    ax = plots.similarity_heatmap(metrics.pair_matrix(pairs, lessons), lessons, lang="vi",
                                  pairs=reused)
    boxes = [p for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill()]
    ids = [t.get_text() for t in ax.get_yticklabels()]
    cells = {(ids[int(b.get_y())], ids[int(b.get_x())]) for b in boxes}
    assert cells == {("phu-yen-2", "hai-duong-1"), ("hai-duong-1", "phu-yen-2")}
    assert ax.get_title() == "Mức trùng lặp giữa các bài học"


def test_audit_plot_counts_every_finding(article, claims, lessons):
    result = audit.run_audit(claims, lessons, load_checks(), text=article.masked_text())
    ax = plots.audit_plot(audit.summary(result), lang="en")
    assert sum(p.get_width() for p in ax.patches if isinstance(p, Rectangle)) == len(result)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "typo · typo_so_so" in labels


def test_plotting_functions_load_no_data():
    source = inspect.getsource(plots)
    for word in ("read_csv", "load_claims", "load_article", "open(", "load_targets"):
        assert word not in source


def test_the_articles_provinces_keep_their_colours():
    assert style.place_colours() == {"Phú Yên": "#1b6ca8", "Hải Dương": "#d1495b",
                                     "An Giang": "#2e933c"}
    assert style.place_colour("Lai Châu", "#000000") == "#000000"
