"""Figures draw exactly the numbers of the frames they are given, mark estimates visibly and
switch language; plotting functions never load data."""

from __future__ import annotations

import inspect

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from analysis.compute import audit, context, maps, metrics
from analysis.data.checks import load_checks
from analysis.data.codebook import load_codebook
from analysis.data.external import load_targets
from analysis.data.processed import load_claims
from analysis.reading import similarity, themes  # noqa: E402
from analysis.show import plots, style

PY = "Phú Yên"


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


def test_context_figures_carry_source_ids(data, ranks):
    ctx = context.province_context(data.gso, data.codes, ranks, "Hải Dương")
    fig = plots.gso_context_figure(ctx, lang="en")
    texts = [t.get_text() for t in fig.texts]
    assert any("not stated in the source file" in t for t in texts)
    measures = context.measures_frame(data.gso, data.national, None, "Hải Dương")
    fig = plots.measures_figure(measures, lang="vi")
    ids = metrics.ids_of(measures, column="source_id")
    assert {"gso_pov_prov", "molisa_bc106_2016", "odm_gso_mdp_2021", "baochinhphu_2022"} <= set(ids)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 3 and "TCTK" in titles[0] and "LĐTBXH" in titles[1]
    # markers only: no line drawn through more than one point in any panel
    for ax in fig.axes:
        for line in ax.get_lines():
            assert line.get_linestyle() in ("None", "") or len(line.get_xdata()) <= 1


def test_measures_figure_draws_the_articles_figures_beside_the_national_ones(data):
    article = context.article_rates(load_claims())
    measures = context.measures_frame(data.gso, data.national, article, PY)
    fig = plots.measures_figure(measures, lang="en")
    drawn = sorted(y for line in fig.axes[1].get_lines() if line.get_marker() == "D"
                   for y in line.get_ydata())
    assert drawn == sorted(article["value"])


def test_choropleth_outlines_legend(data, shapes, ranks):
    joined = maps.join_rates(shapes, data.codes, data.gso, ranks)
    ax = plots.choropleth_plot(joined, lang="en", highlight="Lai Chau")
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[0] == "Lai Châu (chosen province)"
    assert {"Phú Yên (province in the article)", "Hải Dương (province in the article)",
            "An Giang (province in the article)"} <= set(labels)
    assert "TP Hồ Chí Minh: no data in the source" in labels
    assert all(isinstance(h, Patch) for h in legend.legend_handles)
    assert "2016 (preliminary)" in ax.get_title()
    assert len(ax.figure.axes) == 2  # map and colour bar


def test_the_articles_provinces_keep_their_colours():
    assert style.place_colours() == {"Phú Yên": "#1b6ca8", "Hải Dương": "#d1495b",
                                     "An Giang": "#2e933c"}
    assert style.place_colour("Lai Châu", "#000000") == "#000000"


def test_one_figure_signature():
    """Frames positional, `lang` keyword-only; one Axes: optional `ax`, returns the Axes;
    several panels: returns the Figure."""
    names = [n for n, f in inspect.getmembers(plots, inspect.isfunction)
             if f.__module__ == plots.__name__ and not n.startswith("_")]
    assert {"gso_context_figure", "measures_figure", "choropleth_plot"} <= set(names)
    for name in names:
        sig = inspect.signature(getattr(plots, name))
        params = sig.parameters
        assert params["lang"].kind is inspect.Parameter.KEYWORD_ONLY, name
        first = next(iter(params.values()))
        assert first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name
        if name.endswith("_figure"):
            assert "ax" not in params and sig.return_annotation in ("Figure", Figure), name
        else:
            assert params["ax"].kind is inspect.Parameter.KEYWORD_ONLY, name
            assert params["ax"].default is None, name
            assert sig.return_annotation in ("Axes", Axes), name
