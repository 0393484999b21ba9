"""Every figure, seaborn style: each function takes the tidy frames it draws (made by
`analysis.compute`) as positional arguments and `lang` as a keyword; one that draws a single
Axes takes an optional `ax` and returns the Axes (`*_plot`, `*_heatmap`), one of several panels
makes and returns a Figure (`*_figure`). No function loads data; titles, labels and legends
come from `analysis.show.i18n` and `analysis.show.words` in `lang`; the article's provinces
have the same colour in every figure (`style.place_colour`).

Estimates are always drawn so that they cannot pass for actual figures: dashed lines, hollow
markers, hatched bars, and the word "estimate" in the legend. Callers add the source line
(`style.add_source`) and save (`style.write_figure`).

Every figure is drawn for the printed page: no wider than `style.TEXT_WIDTH_IN`, laid out by
matplotlib's constrained layout, with the font sizes `style.set_theme` sets (texts sized here
use the named sizes of `style`), so that no text prints smaller than `style.MIN_FONT_PT`
(`style.font_check`). Panels that cannot sit side by side at that width are stacked, and
legends go beside or under the plots, never over the data.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from analysis.compute import metrics
from analysis.compute.context import MOLISA_YEARS
from analysis.data.provinces import resolve_province
from analysis.show.i18n import check_lang, fmt_num, t
from analysis.show.style import (
    FONT_BASE,
    FONT_DENSE,
    FONT_HEADLINE,
    FONT_SMALL,
    NOTE_COLOUR,
    PAD_IN,
    PALETTE,
    figure_size,
    grow_figure,
    place_colour,
    place_colours,
    wrap_text,
)
from analysis.show.words import (
    measure_label,
    point_label,
    region_label,
    scope_label,
    short_instrument,
    standard_label,
)

STATUS_COLOURS = {"pass": "#2e933c", "fail": "#d1495b", "flag": "#edae49"}
#: The choropleth's colour map and the fill of a province without a value.
CMAP = "YlOrRd"
NO_DATA = "#d9d9d9"
_DODGE = -0.3  # horizontal shift of the article's markers in the measures figure


def _figure(height_in: float, *args: object, **kwargs: object) -> tuple[Figure, object]:
    """`plt.subplots` for the page: as wide as the text block, `height_in` high, laid out by
    constrained layout (which keeps titles, tick labels, legends and colour bars clear of each
    other inside the figure)."""
    return plt.subplots(*args, figsize=figure_size(height_in), layout="constrained", **kwargs)


def _ax(ax: Axes | None, height_in: float = 3.2) -> Axes:
    if ax is None:
        _, ax = _figure(height_in)
    return ax


def _headline(fig: Figure, title: str, subtitle: str | None = None) -> None:
    """The figure's title (bold, `FONT_HEADLINE`) and a grey subtitle under it, each wrapped
    to the figure's width, in a strip added above the panels (`style.grow_figure`)."""
    width = float(fig.get_figwidth())
    placed = []
    top = PAD_IN
    # figure texts, not `fig.suptitle`: constrained layout would reserve a margin of its own
    # for a suptitle, and `savefig(bbox_inches="tight")` crops one that is out of the layout
    for text in (fig.text(0.5, 1, title, ha="center", va="top", fontsize=FONT_HEADLINE,
                          fontweight="bold"),
                 fig.text(0.5, 1, subtitle, ha="center", va="top", fontsize=FONT_BASE,
                          color=NOTE_COLOUR) if subtitle else None):
        if text is None:
            continue
        wrap_text(text, width - 2 * PAD_IN)
        placed.append((text, top))
        top += text.get_window_extent().height / fig.dpi + PAD_IN
    grow_figure(fig, above=top, keep=[text for text, _ in placed])
    height = float(fig.get_figheight())
    for text, offset in placed:
        text.set_y(1 - offset / height)


def _legend_under(fig: Figure, handles: list, labels: list[str], ncol: int) -> None:
    """A figure legend under the panels, in a strip of its own at the foot of the figure."""
    legend = fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0), ncol=ncol,
                        frameon=False, borderaxespad=0, handlelength=3.4,
                        handler_map={tuple: HandlerTuple(ndivide=None, pad=0.5)})
    grow_figure(fig, below=legend.get_window_extent().height / fig.dpi + 2 * PAD_IN)
    legend.set_bbox_to_anchor((0.5, PAD_IN / float(fig.get_figheight())), fig.transFigure)


def _fit_labels(fig: Figure) -> Figure:
    """Keep each panel's title, x label and y label inside the figure and clear of the panels
    beside it (constrained layout makes room for their height, not their length): lay the
    figure out, then move a title sideways, or wrap it, and wrap a label to its axis."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    for ax in fig.axes:
        ax.apply_aspect()  # a map's or a square heatmap's box as drawn
    width, height = (float(v) for v in fig.get_size_inches())
    for ax in fig.axes:
        box = ax.get_position()
        _fit_title(ax, width)
        if ax.xaxis.label.get_text():
            wrap_text(ax.xaxis.label, box.width * width)
        if ax.yaxis.label.get_text():
            wrap_text(ax.yaxis.label, box.height * height)
    return fig


def _fit_title(ax: Axes, width: float) -> None:
    """Move the title of `ax` sideways (keeping its text) so that it stays within the figure
    and no nearer to a panel beside it than half the gap between them; wrap it only when it
    is wider than that room."""
    title = ax.title
    if not title.get_text():
        return
    fig = ax.figure
    box = ax.get_position()
    x0, x1 = box.x0 * width, box.x1 * width
    left, right = PAD_IN, width - PAD_IN
    for other in fig.axes:
        near = other.get_position()
        if other is ax or near.y1 < box.y0 or near.y0 > box.y1:
            continue
        if near.x1 <= box.x0:
            left = max(left, (near.x1 * width + x0) / 2)
        elif near.x0 >= box.x1:
            right = min(right, (near.x0 * width + x1) / 2)
    if title.get_window_extent().width / fig.dpi > right - left:
        wrap_text(title, right - left)
    span = title.get_window_extent().width / fig.dpi
    anchor = x0 + title.get_position()[0] * (x1 - x0)
    start = anchor - {"left": 0, "center": span / 2, "right": span}[title.get_ha()]
    shift = max(left - start, 0) - max(start + span - right, 0)
    if shift:
        title.set_x((anchor + shift - x0) / (x1 - x0))


def _finish(ax: Axes, made: bool) -> Axes:
    """`ax`, its labels fitted (`_fit_labels`) when its function made the figure."""
    if made:
        _fit_labels(ax.figure)
    return ax


def _footnote(fig: Figure, note: str) -> None:
    """A grey note under the panels (and above the source line `style.add_source` adds),
    in a strip of its own at the foot of the figure."""
    width = float(fig.get_figwidth())
    text = fig.text(PAD_IN / width, 0, note, ha="left", va="bottom", fontsize=FONT_SMALL,
                    color=NOTE_COLOUR)
    wrap_text(text, width - 2 * PAD_IN)
    grow_figure(fig, below=text.get_window_extent().height / fig.dpi + 2 * PAD_IN, keep=[text])
    text.set_y(PAD_IN / float(fig.get_figheight()))


def _colour(place: str) -> str:
    return place_colour(place, PALETTE["actual"])


# --------------------------------------------------------------------------- 01 trajectory

def trajectory_plot(traj: pd.DataFrame, *, lang: str, ax: Axes | None = None) -> Axes:
    """The poor-household rate at each point of `metrics.trajectory`: actual points solid and
    filled, the estimate dashed and hollow; each point labelled with its rate and count."""
    check_lang(lang)
    made = ax is None
    ax = _ax(ax, 3.0)
    place = str(traj["place"].iloc[0])
    colour = _colour(place)
    actual = traj[traj["status"] == "actual"]
    ax.plot(actual["when"], actual["rate"], "-o", color=colour, lw=1.8, ms=6,
            label=t("fig_actual", lang), zorder=3)
    for _, est in traj[traj["status"] == "estimate"].iterrows():
        before = traj[traj["when"] < est["when"]].tail(1)
        xs = [*before["when"], est["when"]]
        ys = [*before["rate"], est["rate"]]
        ax.plot(xs, ys, "--", color=colour, lw=1.5, zorder=2)
        ax.plot([est["when"]], [est["rate"]], "o", ms=7, mfc="white", mec=colour, mew=1.6,
                zorder=4)
    handles = [Line2D([], [], color=colour, lw=1.8, marker="o", ms=6,
                      label=t("fig_actual", lang))]
    if (traj["status"] == "estimate").any():
        handles.append(Line2D([], [], color=colour, lw=1.5, ls="--", marker="o", ms=7,
                              mfc="white", mec=colour, mew=1.6, label=t("fig_estimate", lang)))
    previous = None
    for _, p in traj.iterrows():
        if pd.notna(p["households"]):
            note = t("fig_point_note", lang, rate=fmt_num(p["rate"], lang),
                     households=fmt_num(p["households"], lang, 0))
        else:
            note = f"{fmt_num(p['rate'], lang)}%"
        if p["status"] == "estimate":
            note += f"\n({t('val_estimate', lang)})"
        # above and right of the first point and of an estimate (the end of the line); under
        # and left of a point the line falls into, above and left of one it rises to, so
        # that no label sits on the line or on its neighbour's label
        if previous is None or p["status"] == "estimate":
            ha, va, offset = "left", "bottom", (6, 6)
        elif previous > p["rate"]:
            ha, va, offset = "right", "top", (-6, -6)
        else:
            ha, va, offset = "right", "bottom", (-6, 6)
        ax.annotate(note, (p["when"], p["rate"]), xytext=offset, textcoords="offset points",
                    ha=ha, va=va, fontsize=FONT_BASE, color="#333333")
        previous = p["rate"]
    ax.set_xticks(list(traj["when"]))
    ax.set_xticklabels([point_label(p, tp, lang).replace(" ", "\n", 1) for p, tp in
                        zip(traj["period"], traj["timepoint"], strict=True)])
    ax.set_xlim(traj["when"].min() - 0.5, traj["when"].max() + 1.4)  # room for the last label
    ax.set_ylim(0, traj["rate"].max() * 1.3)
    ax.set_ylabel(t("fig_rate_axis", lang))
    ax.set_xlabel(t("fig_time_axis", lang))
    ax.set_title(t("fig_trajectory_title", lang, province=place))
    ax.legend(handles=handles, loc="upper right")
    return _finish(ax, made)


def annual_fall_plot(falls: pd.DataFrame, comparison: pd.DataFrame, *, lang: str,
                     ax: Axes | None = None) -> Axes:
    """Average yearly fall (pp/yr) of the spans from the first point — the estimate hatched —
    against the official targets in `comparison` (lines, or bands for a range)."""
    check_lang(lang)
    made = ax is None
    ax = _ax(ax, 2.6)
    spans = falls[falls["from_first"]].reset_index(drop=True)
    colour = _colour(str(spans["place"].iloc[0])) if len(spans) else PALETTE["actual"]
    labels = [f"{point_label(r.from_period, r.from_timepoint, lang)} →\n"
              f"{point_label(r.to_period, r.to_timepoint, lang)}"
              for r in spans.itertuples(index=False)]
    y = np.arange(len(spans))
    for i, r in enumerate(spans.itertuples(index=False)):
        est = r.status == "estimate"
        ax.barh(i, r.pp_per_year, height=0.55, color="white" if est else colour,
                edgecolor=colour, hatch="//" if est else None, lw=1.2, zorder=3)
        ax.text(r.pp_per_year, i, f" {fmt_num(r.pp_per_year, lang, 2)}", va="center",
                fontsize=FONT_BASE)
    handles = [Patch(color=colour, label=t("fig_actual", lang))]
    if (spans["status"] == "estimate").any():
        handles.append(Patch(facecolor="white", edgecolor=colour, hatch="//",
                             label=t("fig_estimate", lang)))
    targets = comparison.drop_duplicates(["instrument", "scope"])
    styles = ["-", "--", ":", "-."]
    for k, g in enumerate(targets.itertuples(index=False)):
        target = fmt_num(g.value_low, lang) if g.value_low == g.value_high else \
            f"{fmt_num(g.value_low, lang)}–{fmt_num(g.value_high, lang)}"
        label = t("fig_target_line", lang, instrument=short_instrument(g.instrument),
                  scope=scope_label(g.scope, lang), target=target)
        grey = PALETTE["target"] if g.scope == "national" else "#a0a0a0"
        if g.value_low == g.value_high:
            ax.axvline(g.value_low, color=grey, ls=styles[k % len(styles)], lw=1.5, zorder=2)
            handles.append(Line2D([], [], color=grey, ls=styles[k % len(styles)], label=label))
        else:
            ax.axvspan(g.value_low, g.value_high, color=grey, alpha=0.2, zorder=1)
            handles.append(Patch(color=grey, alpha=0.2, label=label))
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    high = max([*spans["pp_per_year"], *comparison.get("value_high", pd.Series([0.0]))])
    ax.set_xlim(0, high * 1.25 + 0.1)
    ax.set_xlabel(t("fig_fall_axis", lang))
    ax.set_title(t("fig_fall_title", lang))
    # beside the plot, clear of the bars and the target lines
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False)
    return _finish(ax, made)


def trajectory_figure(traj: pd.DataFrame, falls: pd.DataFrame, comparison: pd.DataFrame, *,
                      lang: str) -> Figure:
    """Notebook 01's main figure: the trajectory (left) and the yearly fall against the
    targets (right), one legend under both: "actual" and "estimate" each with the line's and
    the bar's symbol, then the targets."""
    fig, (left, right) = _figure(3.6, 1, 2, width_ratios=[3, 2])
    trajectory_plot(traj, lang=lang, ax=left)
    annual_fall_plot(falls, comparison, lang=lang, ax=right)
    lines = {x.get_text(): h for x, h in zip(left.get_legend().get_texts(),
                                             left.get_legend().legend_handles, strict=True)}
    legend = right.get_legend()
    labels = [x.get_text() for x in legend.get_texts()]
    handles = [(lines.pop(label), h) if label in lines else h
               for label, h in zip(labels, legend.legend_handles, strict=True)]
    handles, labels = [*lines.values(), *handles], [*lines, *labels]
    left.get_legend().remove()
    legend.remove()
    _legend_under(fig, handles, labels, ncol=2)
    return _fit_labels(fig)


def implied_totals_plot(totals: pd.DataFrame, growth: pd.DataFrame, *, lang: str,
                        ax: Axes | None = None) -> Axes:
    """Total households implied by each count/rate pair, with the range the rate's rounding
    allows, and the growth between the points."""
    check_lang(lang)
    made = ax is None
    ax = _ax(ax, 3.0)
    place = str(totals["place"].iloc[0])
    colour = _colour(place)
    x = np.arange(len(totals))
    err = np.vstack([totals["total"] - totals["total_low"], totals["total_high"] - totals["total"]])
    ax.bar(x, totals["total"], color=colour, alpha=0.85, width=0.5, yerr=err, capsize=5,
           zorder=3)
    for i, r in enumerate(totals.itertuples(index=False)):
        ax.text(i, r.total * 0.5, f"≈{fmt_num(r.total, lang, 0)}\n"
                f"({fmt_num(r.households, lang, 0)} ÷ {fmt_num(r.rate, lang)}%)",
                ha="center", va="center", color="white", fontsize=FONT_BASE,
                fontweight="bold")
    for g in growth.itertuples(index=False):
        i = list(totals["period"]).index(g.to_period)
        ax.annotate(t("fig_growth_note", lang, change_pct=fmt_num(g.change_pct, lang, 1),
                      years=fmt_num(g.years, lang, 0), per_year=fmt_num(g.pct_per_year, lang, 2)),
                    xy=(i, g.total_to), xytext=(i - 0.5, g.total_to * 1.08), ha="center",
                    fontsize=FONT_BASE, arrowprops={"arrowstyle": "->", "color": NOTE_COLOUR})
    ax.set_xticks(x)
    ax.set_xticklabels([point_label(p, tp, lang) for p, tp in
                        zip(totals["period"], totals["timepoint"], strict=True)])
    ax.set_ylim(0, totals["total_high"].max() * 1.25)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt_num(v, lang, 0)))
    ax.set_ylabel(t("fig_totals_axis", lang))
    ax.set_title(t("fig_totals_title", lang, province=place))
    return _finish(ax, made)


# --------------------------------------------------------------------------- 02 re-poverty

def repoverty_plot(shares: pd.DataFrame, difference: pd.DataFrame, *, lang: str,
                   ax: Axes | None = None) -> Axes:
    """Re-poverty shares by period with the fall between them in percentage points, next to
    the way the article writes it."""
    check_lang(lang)
    made = ax is None
    ax = _ax(ax, 2.8)
    place = str(shares["place"].iloc[0])
    colour = _colour(place)
    x = np.arange(len(shares))
    ax.bar(x, shares["value"], color=colour, width=0.55, zorder=3)
    for i, v in enumerate(shares["value"]):
        ax.text(i, v, f"{fmt_num(v, lang)}%", ha="center", va="bottom", fontsize=FONT_BASE)
    if len(difference):
        d = difference.iloc[0]
        top, xa = float(d["earlier"]), len(shares) - 1 + 0.36
        ax.annotate("", xy=(xa, float(d["later"])), xytext=(xa, top),
                    arrowprops={"arrowstyle": "->", "color": PALETTE["highlight"], "lw": 1.5})
        ax.hlines(top, 0, xa, colors=PALETTE["highlight"], linestyles=":")
        note = t("fig_difference_note", lang, computed=fmt_num(d["computed"], lang, 2),
                 quote=d["stated_quote"] or "–")
        ax.text(xa + 0.06, (top + float(d["later"])) / 2,
                "\n".join(_wrap(line, 22) for line in note.split("\n")),
                va="center", fontsize=FONT_BASE, color=PALETTE["highlight"])
    ax.set_xticks(x)
    ax.set_xticklabels(list(shares["period"]))
    ax.set_xlim(-0.6, len(shares) + 0.9)
    ax.set_ylim(0, shares["value"].max() * 1.25)
    ax.set_ylabel(t("fig_repoverty_axis", lang))
    ax.set_title(t("fig_repoverty_title", lang, province=place))
    return _finish(ax, made)


def escaped_plot(escaped: pd.DataFrame, *, lang: str, ax: Axes | None = None) -> Axes:
    """Households out of poverty over a period, drawn as the implied yearly average: hatched,
    hollow bars, one per year, labelled as an average and not yearly data."""
    check_lang(lang)
    made = ax is None
    ax = _ax(ax, 2.8)
    e = escaped.iloc[0]
    colour = _colour(str(e["place"]))
    first, last = metrics.period_years(e["period"])
    years = list(range(first, last + 1))
    ax.bar(years, [e["per_year"]] * len(years), color="white", edgecolor=colour, hatch="//",
           width=0.7, lw=1.2, zorder=3)
    more = t("qualifier_more_than", lang) if e["qualifier"] else ""
    note = t("fig_escaped_note", lang, total=more + fmt_num(e["households"], lang, 0),
             years=fmt_num(e["years"], lang, 0), per_year=more + fmt_num(e["per_year"], lang, 0))
    ax.text(0.5, 0.95, "\n".join(_wrap(line, 44) for line in note.split("\n")),
            transform=ax.transAxes, ha="center", va="top", fontsize=FONT_BASE,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5})
    ax.set_ylim(0, e["per_year"] * 1.75)
    ax.set_xticks(years)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt_num(v, lang, 0)))
    ax.set_ylabel(t("fig_escaped_axis", lang))
    ax.set_title(t("fig_escaped_title", lang, province=e["place"], period=e["period"]))
    return _finish(ax, made)


def repoverty_figure(shares: pd.DataFrame, difference: pd.DataFrame, escaped: pd.DataFrame,
                     *, lang: str) -> Figure:
    """Notebook 02's figure: re-poverty shares (left), households out of poverty (right)."""
    panels = 2 if len(escaped) else 1
    fig, axes = _figure(3.0, 1, panels, squeeze=False)
    repoverty_plot(shares, difference, lang=lang, ax=axes[0][0])
    if panels == 2:
        escaped_plot(escaped, lang=lang, ax=axes[0][1])
    return _fit_labels(fig)


# --------------------------------------------------------------------------- 03 lessons

def theme_heatmap(matrix: pd.DataFrame, *, lang: str, highlight: str | None = None,
                  ax: Axes | None = None) -> Axes:
    """Province × theme counts from `metrics.theme_matrix` as a seaborn heatmap (themes as
    rows so their names stay readable); the chosen province's column label in bold."""
    check_lang(lang)
    data = matrix.T
    made = ax is None
    ax = _ax(ax, 0.24 * len(data) + 0.7)
    sns.heatmap(data, annot=True, fmt="d", cmap="Blues", cbar=False, linewidths=0.5,
                linecolor="white", ax=ax, vmin=0, annot_kws={"fontsize": FONT_BASE})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(t("fig_heatmap_title", lang))
    ax.xaxis.tick_top()
    colours = place_colours()
    for label in ax.get_xticklabels():
        label.set_color(colours.get(label.get_text(), PALETTE["actual"]))
        if label.get_text() == highlight:
            label.set_fontweight("bold")
    ax.tick_params(axis="x", labelsize=FONT_BASE, length=0)
    ax.tick_params(axis="y", length=0)
    ax.grid(False)
    return _finish(ax, made)


def similarity_heatmap(matrix: pd.DataFrame, lessons: pd.DataFrame, *, lang: str,
                       pairs: pd.DataFrame | None = None, ax: Axes | None = None) -> Axes:
    """Lesson × lesson overlap (`metrics.pair_matrix`), provinces separated by lines; the
    cross-province pairs in `pairs` (e.g. `similarity.reused_pairs`) boxed."""
    check_lang(lang)
    made = ax is None
    ax = _ax(ax, 5.6)
    mask = np.eye(len(matrix), dtype=bool)
    sns.heatmap(matrix, mask=mask, cmap="rocket_r", vmin=0, vmax=1, square=True, ax=ax,
                cbar_kws={"label": t("fig_similarity_cbar", lang), "shrink": 0.6},
                annot=matrix.map(lambda v: fmt_num(v * 100, lang, 0)), fmt="",
                annot_kws={"fontsize": FONT_DENSE})
    places = list(lessons["place"])
    edges = [i for i in range(1, len(places)) if places[i] != places[i - 1]]
    for e in edges:
        ax.axhline(e, color="white", lw=2.5)
        ax.axvline(e, color="white", lw=2.5)
    ids = list(matrix.index)
    if pairs is not None:
        for r in pairs.itertuples(index=False):
            for a, b in ((r.lesson_a, r.lesson_b), (r.lesson_b, r.lesson_a)):
                ax.add_patch(Rectangle((ids.index(b), ids.index(a)), 1, 1, fill=False,
                                       edgecolor=PALETTE["highlight"], lw=2))
    colours = place_colours()
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        place = dict(zip(lessons["lesson_id"], lessons["place"], strict=True)).get(
            label.get_text())
        label.set_color(colours.get(place, PALETTE["actual"]) if place else "#333333")
    ax.tick_params(length=0)
    ax.grid(False)  # the theme's grid would cross the masked diagonal
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(t("fig_similarity_title", lang))
    return _finish(ax, made)


# --------------------------------------------------------------------------- 04 audit

def audit_plot(summary: pd.DataFrame, *, lang: str, ax: Axes | None = None) -> Axes:
    """Findings per check, stacked by status (pass / fail / flag), from `audit.summary`."""
    check_lang(lang)
    made = ax is None
    ax = _ax(ax, 0.26 * len(summary) + 1.0)
    y = np.arange(len(summary))
    left = np.zeros(len(summary))
    for status, colour in STATUS_COLOURS.items():
        values = summary[status].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=colour, label=t(f"val_{status}", lang), zorder=3)
        left += values
    ax.set_yticks(y)
    ax.set_yticklabels([f"{t(f'val_{k}', lang)} · {c}" for k, c in
                        zip(summary["kind"], summary["check_id"], strict=True)])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_xlabel(t("fig_audit_axis", lang))
    ax.set_title(t("fig_audit_title", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False)  # beside the bars
    return _finish(ax, made)


# --------------------------------------------------------------------------- 05 national context

def _line_with_preliminary(ax: Axes, x: pd.Series, y: pd.Series, prelim: pd.Series,
                           colour: str, lw: float, label: str) -> None:
    final = ~prelim
    ax.plot(x[final], y[final], "-o", color=colour, lw=lw, ms=4, label=label)
    if prelim.any():
        idx = list(x[final].index[-1:]) + list(x[prelim].index)
        ax.plot(x[idx], y[idx], "--", color=colour, lw=lw * 0.8)
        ax.plot(x[prelim], y[prelim], "o", mfc="white", mec=colour, ms=5)


def gso_context_figure(ctx: pd.DataFrame, *, lang: str) -> Figure:
    """Two panels from `context.province_context`: the province's GSO rate against its region
    and the country (left), and its rank among the provinces (right, rank 1 = highest rate at
    the top), their legend under both. Preliminary years are drawn with open markers and a
    dashed last segment, and a note under the panels says so."""
    check_lang(lang)
    province, region = ctx["province"].iloc[0], ctx["region"].iloc[0]
    colour = place_colour(province, PALETTE["highlight"])
    prelim = ctx["status"].eq("preliminary")
    fig, (ax, axr) = _figure(2.9, 1, 2, width_ratios=[3, 2])
    series = [("value", province, colour, 2.0),
              ("region_value", region_label(region, lang), PALETTE["region"], 1.4),
              ("country_value", t("context_country", lang), PALETTE["country"], 1.4)]
    for col, label, c, lw in series:
        _line_with_preliminary(ax, ctx["year"], ctx[col], prelim, c, lw, label)
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("context_fig_series_ylabel", lang))
    ax.set_ylim(bottom=0)
    ax.set_xticks(ctx["year"].tolist())
    ax.tick_params(axis="x", labelrotation=90)
    n = int(ctx["n_ranked"].max())
    _line_with_preliminary(axr, ctx["year"], ctx["rank"].astype(float), prelim, colour, 2.0,
                           province)
    for y, r in zip(ctx["year"], ctx["rank"], strict=True):
        if not pd.isna(r):  # above the point, or under it near the top (clear of the title)
            below = r <= n / 10
            axr.annotate(str(int(r)), (y, float(r)), textcoords="offset points",
                         xytext=(0, -6 if below else 5), ha="center",
                         va="top" if below else "baseline", fontsize=FONT_SMALL)
    axr.set_ylim(n + 1, 0)
    axr.set_xticks(ctx["year"].tolist())
    axr.tick_params(axis="x", labelrotation=90)  # eight years on a third of the page
    axr.set_title(t("context_fig_rank_title", lang, n=n))
    axr.set_ylabel(t("context_fig_rank_ylabel", lang))
    axr.set_xlabel(t("year", lang))
    # one legend for both panels (the province has the same colour in each), under them
    _legend_under(fig, *ax.get_legend_handles_labels(), ncol=3)
    _headline(fig, t("context_fig_series_title", lang, province=province,
                     first=int(ctx["year"].min()), last=int(ctx["year"].max())),
              measure_label("gso", "not_stated_in_source_file", lang))
    years = ctx.loc[prelim, "year"].tolist()
    if years:
        _footnote(fig, t("context_fig_preliminary_note", lang, year=int(years[-1])))
    return _fit_labels(fig)


def _wrap(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(text, width))


def _legend(ax: Axes, standard: str | None,
            extra: list[tuple[Line2D, str]] | None = None) -> None:
    handles, labels = ax.get_legend_handles_labels()
    for handle, label in extra or []:
        handles.append(handle)
        labels.append(label)
    if standard:
        handles.append(Line2D([], [], lw=0))
        labels.append(f"({standard})")
    # beside the panel (the panels are stacked), never over its points
    ax.legend(handles, [_wrap(lbl, 40) for lbl in labels], frameon=False, loc="upper left",
              bbox_to_anchor=(1.02, 1.0), ncol=1)


def _standard(rows: pd.DataFrame, lang: str) -> str | None:
    """The poverty standard of a panel's points, as words (the legend's last line)."""
    return standard_label(str(rows["standard"].iloc[0]), lang) if len(rows) else None


def measures_figure(measures: pd.DataFrame, *, lang: str) -> Figure:
    """Three panels from `context.measures_frame`, one per measure, stacked on one time axis
    and one y scale, each with its legend beside it; markers only, so no line ever joins two
    measures or two standards.

    (a) GSO poverty rate (the country, and the chosen province when the frame has it);
    (b) MOLISA poor-household rate, national, coloured by standard, with the article's DOLISA
        figures beside them when the frame has them;
    (c) GSO/UNDP VHLSS multidimensional rate, national.
    The source line's ids are the frame's `source_id` (`metrics.ids_of`).
    """
    check_lang(lang)
    fig, axes = _figure(5.6, 3, 1, sharey=True, sharex=True)
    lo, hi = MOLISA_YEARS
    panel = {p: measures[measures["panel"] == p] for p in ("gso", "molisa", "vhlss")}
    # (a) GSO
    ax = axes[0]
    gso = panel["gso"]
    for level in dict.fromkeys(gso["series"]):
        rows = gso[gso["series"] == level]
        if level == "country":
            label, colour = t("context_country", lang), PALETTE["country"]
        else:
            label = str(rows["place"].iloc[0])
            colour = place_colour(label, PALETTE["highlight"])
        fin = rows["status"] == "final"
        x = rows["x"]
        ax.plot(x[fin], rows["value"][fin], "o", color=colour, label=label)
        ax.plot(x[~fin], rows["value"][~fin], "o", mfc="white", mec=colour,
                label=f"{label} ({t('context_preliminary', lang)})" if (~fin).any() else None)
    ax.set_title(t("context_measure_gso", lang), ha="left", x=0)
    _legend(ax, _standard(gso, lang))
    # (b) MOLISA (+ article)
    ax = axes[1]
    molisa = panel["molisa"][panel["molisa"]["series"] == "country"]
    standards = list(dict.fromkeys(molisa["standard"]))
    colours = ["#9c9c9c", PALETTE["country"], "#6a4c93", "#1982c4"]
    has_range = has_below = False
    for std, colour in zip(standards, colours, strict=False):
        rows = molisa[molisa["standard"] == std]
        exact = rows[~rows["qualifier"].str.startswith(("<", "range"))]
        ax.plot(exact["x"], exact["value"], "s", color=colour,
                label=f"{t('context_country', lang)}: {standard_label(std, lang)}")
        rng = rows[rows["qualifier"].str.startswith("range")]
        for x, part in rng.groupby("x"):
            lo_v, hi_v = part["value"].min(), part["value"].max()
            ax.errorbar([x], [(lo_v + hi_v) / 2], yerr=[[(hi_v - lo_v) / 2]] * 2, fmt="s",
                        mfc="white", mec=colour, ecolor=colour, capsize=3)
        below = rows[rows["qualifier"].str.startswith("<")]
        ax.plot(below["x"], below["value"], "v", mec=colour, mfc="white", ms=6)
        has_range |= not rng.empty
        has_below |= not below.empty
    article = panel["molisa"][panel["molisa"]["series"] == "article"]
    for place, rows in article.groupby("place", sort=False):
        est = rows["status"].ne("actual")
        colour = place_colour(str(place), PALETTE["highlight"])
        x = rows["x"] + _DODGE  # beside, not on top of, a national figure of the same date
        ax.plot(x[~est], rows["value"][~est], "D", color=colour,
                label=t("context_measure_dolisa_article", lang, province=place))
        ax.plot(x[est], rows["value"][est], "D", mfc="white", mec=colour,
                label=f"{place} ({t('estimate', lang)})" if est.any() else None)
    ax.set_title(t("context_measure_molisa", lang), ha="left", x=0)
    extra = []
    if has_range:
        extra.append((Line2D([], [], marker="s", mfc="white", mec="#555555", ls="",
                             color="#555555"), t("context_fig_range", lang)))
    if has_below:
        extra.append((Line2D([], [], marker="v", mfc="white", mec="#555555", ls=""),
                      t("context_fig_below", lang)))
    _legend(ax, None, extra)
    # (c) VHLSS
    ax = axes[2]
    vhlss = panel["vhlss"]
    ax.plot(vhlss["x"], vhlss["value"], "^", color="#8ac926", ms=7,
            label=t("context_country", lang))
    ax.set_title(t("context_measure_vhlss", lang), ha="left", x=0)
    _legend(ax, _standard(vhlss, lang))
    for a in axes:
        a.set_xlim(lo, hi + 1.2)
        a.set_xticks([y + 0.5 for y in range(lo, hi + 1, 2)],
                     [str(y) for y in range(lo, hi + 1, 2)])
        a.set_xticks(range(lo, hi + 2), minor=True)
        a.grid(which="minor", axis="x", color="#eeeeee", lw=0.6)
        a.set_ylim(bottom=0)
        a.yaxis.set_major_locator(plt.MaxNLocator(nbins=4))
        a.set_ylabel(t("context_fig_measures_ylabel", lang))
    axes[-1].set_xlabel(t("context_fig_measures_xlabel", lang))
    _headline(fig, t("context_fig_measures_title", lang))
    return _fit_labels(fig)


@contextmanager
def _without_redraws(fig: Figure) -> Iterator[None]:
    """geopandas asks the canvas to redraw after every layer it adds (`draw_idle`): on Agg
    that is a whole constrained-layout draw each time, most of a map's cost. While the layers
    go in, a canvas that draws nothing takes those calls; the figure's own canvas comes back
    after, and the figure is drawn once, when it is shown."""
    canvas = fig.canvas
    FigureCanvasBase(fig)
    try:
        yield
    finally:
        fig.set_canvas(canvas)


def choropleth_plot(joined: pd.DataFrame, *, lang: str, highlight: str,
                    ax: Axes | None = None) -> Axes:
    """Map of `maps.join_rates`: fill = GSO rate, grey = no value; the `highlight` province
    outlined in black, the article's other provinces in their colours; the legend beside the
    map (off the land), the colour bar under it."""
    check_lang(lang)
    province = resolve_province(highlight)
    year = int(joined["year"].iloc[0])
    prelim = joined["status"].eq("preliminary").any()
    made = ax is None
    if made:  # compressed: constrained layout that also closes the gaps a fixed aspect leaves
        _, ax = plt.subplots(figsize=figure_size(5.6), layout="compressed")
    with _without_redraws(ax.figure):
        has = joined[joined["value"].notna()]
        has.plot(column="value", cmap=CMAP, ax=ax, edgecolor="white", linewidth=0.3, legend=True,
                 vmin=0, legend_kwds={"label": t("context_fig_map_colorbar", lang),
                                      "orientation": "horizontal", "shrink": 0.6, "pad": 0.02,
                                      "aspect": 25})
        joined[joined["value"].isna()].plot(ax=ax, color=NO_DATA, edgecolor="white", linewidth=0.3,
                                            hatch="///")
        handles = []
        outlined = place_colours()
        for name, colour in outlined.items():
            if name == province:
                continue
            joined[joined["name_vi"] == name].boundary.plot(ax=ax, color=colour, linewidth=1.6)
            handles.append(Patch(facecolor="none", edgecolor=colour, linewidth=1.6,
                                 label=t("context_fig_map_article", lang, province=name)))
        joined[joined["name_vi"] == province].boundary.plot(ax=ax, color="black", linewidth=2.2)
        label = t("context_fig_map_chosen", lang, province=province)
        if province in outlined:
            label += " · " + t("context_fig_map_in_article", lang)
        handles.insert(0, Patch(facecolor="none", edgecolor="black", linewidth=2.2, label=label))
        if joined["value"].isna().any():
            missing = ", ".join(joined.loc[joined["value"].isna(), "name_vi"])
            handles.append(Patch(facecolor=NO_DATA, hatch="///", edgecolor="white",
                                 label=f"{missing}: {t('context_no_data', lang)}"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_axis_off()
    status = f" ({t('context_preliminary', lang)})" if prelim else ""
    ax.set_title(t("context_fig_map_title", lang, year=year, status=status))
    return _finish(ax, made)
