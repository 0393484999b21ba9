"""Every figure fits the printed page: no wider than the text block, no text under 7 pt as
printed, nothing outside the figure, the source line under everything, legends and notes clear
of the plots and of each other, tick labels apart. Each figure function is drawn for the
article's data in Vietnamese and English as the notebooks draw it (theme set, source line
added)."""

from __future__ import annotations

import re
from itertools import combinations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from analysis.compute import audit, context, maps, metrics
from analysis.data import external
from analysis.data.checks import load_checks
from analysis.data.external import load_targets
from analysis.data.processed import load_claims
from analysis.data.provinces import article_provinces
from analysis.reading import similarity, themes
from analysis.show import plots, style, words
from analysis.show.i18n import t

PY = "Phú Yên"
TOL = 1.0  # display pixels: two boxes touching are not overlapping


@pytest.fixture(scope="module", autouse=True)
def _theme():
    """The notebooks' theme, for this module only."""
    saved = matplotlib.rcParams.copy()
    style.set_theme()
    yield
    matplotlib.rcParams.update(saved)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    return external.load_all()


@pytest.fixture(scope="module")
def inputs(article, claims, lessons, codebook, data, shapes, ranks):
    """Every frame the notebooks draw, made from the article of record."""
    traj = metrics.trajectory(claims, PY)
    falls = metrics.annual_falls(traj)
    totals = metrics.implied_totals(traj)
    results = audit.run_audit(claims, lessons, load_checks(), text=article.masked_text(),
                              targets=load_targets())
    return {
        "traj": traj, "falls": falls,
        "comparison": metrics.target_comparison(falls, load_targets()),
        "totals": totals, "growth": metrics.total_growth(totals),
        "shares": metrics.repoverty(claims, PY),
        "difference": metrics.repoverty_difference(claims, PY),
        "escaped": metrics.escaped_per_year(claims, PY),
        "coded": themes.code_lessons(lessons, codebook), "lessons": lessons,
        "codebook": codebook, "results": results, "data": data, "ranks": ranks,
        "joined": maps.join_rates(shapes, data.codes, data.gso, ranks),
        "article_rates": context.article_rates(load_claims()),
    }


def _draw(name: str, lang: str, province: str, d: dict) -> plt.Figure:
    """Figure `name` for `province` in `lang`, its source line added as the notebooks do."""
    src = t("source_article", lang)
    if name == "trajectory_figure":
        fig = plots.trajectory_figure(d["traj"], d["falls"], d["comparison"], lang=lang)
        ids = metrics.ids_of(d["traj"]) + metrics.ids_of(d["comparison"], column="source_id")
        src = f"{src} · {t('source_targets', lang)}"
    elif name == "trajectory_plot":
        fig, ids = plots.trajectory_plot(d["traj"], lang=lang).figure, metrics.ids_of(d["traj"])
    elif name == "annual_fall_plot":
        fig = plots.annual_fall_plot(d["falls"], d["comparison"], lang=lang).figure
        ids = metrics.ids_of(d["comparison"], column="source_id")
    elif name == "implied_totals_plot":
        fig = plots.implied_totals_plot(d["totals"], d["growth"], lang=lang).figure
        ids = metrics.ids_of(d["totals"])
    elif name == "repoverty_figure":
        fig = plots.repoverty_figure(d["shares"], d["difference"], d["escaped"], lang=lang)
        ids = metrics.ids_of(d["difference"], d["escaped"])
    elif name == "repoverty_plot":
        fig = plots.repoverty_plot(d["shares"], d["difference"], lang=lang).figure
        ids = metrics.ids_of(d["difference"])
    elif name == "escaped_plot":
        fig = plots.escaped_plot(d["escaped"], lang=lang).figure
        ids = metrics.ids_of(d["escaped"])
    elif name == "theme_heatmap":
        matrix = metrics.theme_matrix(d["coded"], d["lessons"], d["codebook"], lang)
        fig = plots.theme_heatmap(matrix, lang=lang, highlight=province).figure
        ids = list(d["lessons"]["lesson_id"])
        src = f"{src} · {t('source_codebook', lang)}"
    elif name == "similarity_heatmap":
        lessons = d["lessons"]
        overlap = metrics.pair_matrix(similarity.lesson_pairs(lessons), lessons)
        fig = plots.similarity_heatmap(overlap, lessons, lang=lang,
                                       pairs=similarity.reused_pairs(lessons)).figure
        ids = list(lessons["lesson_id"])
    elif name == "audit_plot":
        fig = plots.audit_plot(audit.summary(d["results"]), lang=lang).figure
        ids = metrics.ids_of(d["results"])
        src = f"{src} · {t('source_checks', lang)}"
    elif name == "gso_context_figure":
        ctx = context.province_context(d["data"].gso, d["data"].codes, d["ranks"], province)
        fig, ids = plots.gso_context_figure(ctx, lang=lang), list(ctx["source_id"])
        src = t("context_source_gso", lang)
    elif name == "measures_figure":
        measures = context.measures_frame(d["data"].gso, d["data"].national,
                                          d["article_rates"], province)
        fig = plots.measures_figure(measures, lang=lang)
        ids = metrics.ids_of(measures, column="source_id")
        src = words.measures_source(d["article_rates"], lang)
    elif name == "choropleth_plot":
        fig = plots.choropleth_plot(d["joined"], lang=lang, highlight=province).figure
        ids, src = maps.source_ids(d["joined"]), t("context_source_map", lang)
    else:
        raise AssertionError(f"no recipe for {name}")
    style.add_source(fig, src, ids)
    return fig


#: (figure function, province): the article's province for notebooks 01 and 02 (the only one
#: with a trajectory), each of the article's provinces highlighted in the theme heatmap, and
#: for notebook 05 the article's province, the poorest province (rank 1) and the one without
#: a 2016 value.
FIGURES = [
    *[(name, PY) for name in ("trajectory_figure", "trajectory_plot", "annual_fall_plot",
                              "implied_totals_plot", "repoverty_figure", "repoverty_plot",
                              "escaped_plot")],
    *[("theme_heatmap", p) for p in ("Phú Yên", "Hải Dương", "An Giang")],
    ("similarity_heatmap", ""), ("audit_plot", ""),
    *[(name, p) for name in ("gso_context_figure", "measures_figure", "choropleth_plot")
      for p in (PY, "Lai Châu")],
    ("gso_context_figure", "TP Hồ Chí Minh"),
]


def test_every_figure_function_is_checked():
    names = {n for n in dir(plots) if not n.startswith("_") and callable(getattr(plots, n))
             and getattr(getattr(plots, n), "__module__", "") == plots.__name__}
    assert names == {name for name, _ in FIGURES}
    assert {"Phú Yên", "Hải Dương", "An Giang"} == set(article_provinces())


# ------------------------------------------------------------------------------ geometry

def _box(artist, renderer):
    return artist.get_window_extent(renderer)


def _overlap(a, b, tol: float = TOL) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tol) and (min(a.y1, b.y1) - max(a.y0, b.y0) > tol)


def _drawn_ticklabels(axis) -> list:
    """The tick labels `axis` draws: those of the ticks in its view, visible and not empty."""
    lo, hi = sorted(axis.get_view_interval())
    return [label for tick in axis.get_major_ticks() if lo - 1e-9 <= tick.get_loc() <= hi + 1e-9
            for label in (tick.label1, tick.label2)
            if label.get_visible() and label.get_text().strip()]


def _pieces(ax, renderer) -> list:
    """The boxes of what a panel draws: its plotting area, titles, axis labels, tick labels,
    legend and texts."""
    axes = [(ax.xaxis.label, ax.yaxis.label, *_drawn_ticklabels(ax.xaxis),
             *_drawn_ticklabels(ax.yaxis))] if ax.axison else []  # a map draws no axes
    texts = [ax.title, *ax.texts, *[t for group in axes for t in group]]
    boxes = [ax.bbox]
    boxes += [_box(t, renderer) for t in texts if t.get_visible() and t.get_text().strip()]
    if ax.get_legend() is not None:
        boxes.append(_box(ax.get_legend(), renderer))
    return boxes


def _blocks(fig, renderer) -> list[tuple[str, list, object]]:
    """The pieces laid out on the figure, (name, boxes, artist): each panel with everything
    attached to it (labels, titles, its legend, annotations), each figure legend, each figure
    text."""
    out = [(f"axes {i} ({ax.get_title()!r})", _pieces(ax, renderer), ax)
           for i, ax in enumerate(fig.axes) if ax.get_visible()]
    out += [(f"figure legend {i}", [_box(leg, renderer)], leg)
            for i, leg in enumerate(fig.legends)]
    out += [(f"figure text {txt.get_text()[:30]!r}", [_box(txt, renderer)], txt)
            for txt in fig.texts if txt.get_visible() and txt.get_text().strip()]
    return out


def _data_points(ax) -> np.ndarray:
    """Display points along every drawn line of `ax` (vertices, and the segments between them
    when the line is drawn), for finding a legend over the data."""
    pts = []
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
        xy = xy[np.isfinite(xy).all(axis=1)]
        if line.get_linestyle() not in ("None", "", " ") and len(xy) > 1:
            steps = np.linspace(0, 1, 40)[:, None]
            xy = np.vstack([a + steps * (b - a) for a, b in zip(xy[:-1], xy[1:], strict=True)])
        pts.append(xy)
    return np.vstack(pts) if pts else np.empty((0, 2))


def _inside(box, pts: np.ndarray) -> bool:
    inner = box.padded(-TOL)
    return bool(((pts[:, 0] > inner.x0) & (pts[:, 0] < inner.x1)
                 & (pts[:, 1] > inner.y0) & (pts[:, 1] < inner.y1)).any())


def _page_problems(fig) -> list[str]:
    """What a reader of the printed page would trip over, beyond size: anything drawn outside
    the figure, pieces overlapping, the source line not last, a legend over the data, tick
    labels running into each other."""
    problems = []
    width, height = fig.get_size_inches()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    tight = fig.get_tightbbox(renderer)  # inches
    slack = 1 / fig.dpi
    if tight.x0 < -slack or tight.y0 < -slack or tight.x1 > width + slack \
            or tight.y1 > height + slack:
        problems.append(f"drawn outside the figure: {tight.bounds} in {width}×{height} in")
    blocks = _blocks(fig, renderer)
    for (name_a, boxes_a, _), (name_b, boxes_b, _) in combinations(blocks, 2):
        if any(_overlap(a, b) for a in boxes_a for b in boxes_b):
            problems.append(f"{name_a} overlaps {name_b}")
    line = fig.texts[-1]  # the source line: `add_source` writes it last
    source = _box(line, renderer)
    for name, boxes, artist in blocks:
        if artist is not line and min(b.y0 for b in boxes) < source.y1 - TOL:
            problems.append(f"the source line is not under {name}")
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    for legend in [*legends, *fig.legends]:
        box = _box(legend, renderer)
        for ax in fig.axes:
            where = f"axes {ax.get_title()!r}"
            points = _data_points(ax)
            if len(points) and _inside(box, points):
                problems.append(f"a legend covers a line of {where}")
            for patch in ax.patches:
                if isinstance(patch, Rectangle) and patch.get_width() and patch.get_height() \
                        and _overlap(box, _box(patch, renderer)):
                    problems.append(f"a legend covers a bar of {where}")
            for text in ax.texts:
                if text.get_text().strip() and _overlap(box, _box(text, renderer)):
                    problems.append(f"a legend covers {text.get_text()!r}")
            if legend.axes is ax and not ax.axison and _overlap(box, ax.bbox):
                problems.append(f"a legend covers the map of {where}")
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for a, b in combinations(_drawn_ticklabels(axis), 2):
                if _overlap(_box(a, renderer), _box(b, renderer)):
                    problems.append(f"tick labels {a.get_text()!r} and {b.get_text()!r} overlap")
    return problems


def _shown_width(fig) -> float:
    """Width (inches) of the SVG a report shows and saves (`style.figure_svg`)."""
    points = re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', style.figure_svg(fig))
    return float(points.group(1)) / 72


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name, province", FIGURES)
def test_figure_fits_the_page(inputs, name, province, lang):
    fig = _draw(name, lang, province, inputs)
    assert fig.get_figwidth() <= style.TEXT_WIDTH_IN
    assert style.font_check(fig) >= style.MIN_FONT_PT
    assert _page_problems(fig) == []
    assert _shown_width(fig) <= style.TEXT_WIDTH_IN + 0.01


# ------------------------------------------------------------------------------ style

def test_the_theme_sizes_every_text_for_the_page():
    rc = matplotlib.rcParams
    sizes = {key: rc[key] for key in ("font.size", "axes.labelsize", "axes.titlesize",
                                      "xtick.labelsize", "ytick.labelsize", "legend.fontsize",
                                      "legend.title_fontsize", "figure.titlesize")}
    assert all(isinstance(v, float) and v >= style.MIN_FONT_PT for v in sizes.values()), sizes
    assert sizes["xtick.labelsize"] == style.FONT_SMALL and sizes["font.size"] == style.FONT_BASE
    assert rc["font.family"] == [style.FONT] or rc["font.sans-serif"][0] == style.FONT
    assert tuple(rc["figure.figsize"])[0] == style.TEXT_WIDTH_IN
    assert style.figure_size(2.5) == (style.TEXT_WIDTH_IN, 2.5)
    assert style.FONT_DENSE >= style.MIN_FONT_PT
    assert sorted([style.FONT_DENSE, style.FONT_SMALL, style.FONT_BASE, style.FONT_TITLE,
                   style.FONT_HEADLINE]) == [style.FONT_DENSE, style.FONT_SMALL,
                                             style.FONT_BASE, style.FONT_TITLE,
                                             style.FONT_HEADLINE]


def test_font_check_scales_to_the_printed_width():
    fig = plt.figure(figsize=(10, 2))
    fig.text(0.5, 0.5, "small print", fontsize=8)
    assert style.font_check(fig) == pytest.approx(8 * style.TEXT_WIDTH_IN / 10)
    assert style.font_check(fig, width_in=20) == pytest.approx(8)
    fig.set_size_inches(5, 2)
    assert style.font_check(fig) == pytest.approx(8)


def test_font_check_reads_what_is_drawn():
    fig, (ax, other) = plt.subplots(1, 2, figsize=(6, 3))
    ax.set_title("title", fontsize=9)
    ax.tick_params(labelsize=8)
    hidden = fig.text(0.1, 0.1, "hidden", fontsize=3)
    hidden.set_visible(False)
    fig.text(0.2, 0.2, "   ", fontsize=2)  # nothing to read
    other.tick_params(labelsize=4)
    other.set_axis_off()  # its tick labels are not drawn
    assert style.font_check(fig) == pytest.approx(8)
    ax.annotate("note", (0.5, 0.5), fontsize=7.5)
    assert style.font_check(fig) == pytest.approx(7.5)
    bar = fig.colorbar(plt.cm.ScalarMappable(cmap="Blues"), ax=ax)
    bar.ax.tick_params(labelsize=6)  # colour-bar ticks count
    assert style.font_check(fig) == pytest.approx(6)
    ax.plot([0, 1], label="a line")
    ax.legend(fontsize=5)
    assert style.font_check(fig) == pytest.approx(5)


@pytest.mark.parametrize("layout", [None, "constrained"])
def test_add_source_writes_under_the_figure_without_moving_it(layout):
    fig, ax = plt.subplots(figsize=(style.TEXT_WIDTH_IN, 2.5), layout=layout)
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("x")
    if layout is None:
        fig.subplots_adjust(bottom=0.25)  # room for the axis's labels
    fig.canvas.draw()
    before = ax.get_position().height * 2.5
    ids = [f"claim_{i:02d}" for i in range(40)]
    style.add_source(fig, "Nguồn: bài báo “Những bài học kinh nghiệm”", [*ids, ids[0], ""])
    assert fig.source_ids == ids
    width, height = fig.get_size_inches()
    assert width == style.TEXT_WIDTH_IN and height > 2.5
    line = fig.texts[-1]
    assert line.get_fontsize() == style.FONT_SMALL
    assert line.get_text().count("\n") >= 1  # wrapped to the figure's width
    assert line.get_text().replace("\n", " ").endswith(f"[{', '.join(ids)}]")
    fig.canvas.draw()
    box = line.get_window_extent(fig.canvas.get_renderer())
    assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.x1
    # the plot keeps its height: the figure grew by the source line's strip
    assert ax.get_position().height * height == pytest.approx(before, rel=0.05)
    assert _page_problems(fig) == []
