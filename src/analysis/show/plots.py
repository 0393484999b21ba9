"""Figures of the article's numbers and lessons, seaborn style: each function takes tidy frames
made by `analysis.compute.metrics` / `analysis.compute.audit`, draws on an Axes (or makes a Figure)
and returns it. No function loads data; titles, labels and legends come from `analysis.show.i18n`
in `lang`.

Estimates are always drawn so that they cannot pass for actual figures: dashed lines, hollow
markers, hatched bars, and the word "estimate" in the legend. Callers add the source line
(`style.add_source`) and save (`style.save_figure`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from analysis.compute import metrics
from analysis.show.i18n import check_lang, fmt_num, t
from analysis.show.style import PALETTE, place_colour, place_colours
from analysis.show.words import point_label, scope_label, short_instrument

STATUS_COLOURS = {"pass": "#2e933c", "fail": "#d1495b", "flag": "#edae49"}


def _ax(ax: Axes | None, figsize: tuple[float, float] = (7, 4.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _colour(place: str) -> str:
    return place_colour(place, PALETTE["actual"])


# --------------------------------------------------------------------------- 01 trajectory

def trajectory_plot(traj: pd.DataFrame, *, lang: str, ax: Axes | None = None) -> Axes:
    """The poor-household rate at each point of `metrics.trajectory`: actual points solid and
    filled, the estimate dashed and hollow; each point labelled with its rate and count."""
    check_lang(lang)
    ax = _ax(ax)
    place = str(traj["place"].iloc[0])
    colour = _colour(place)
    actual = traj[traj["status"] == "actual"]
    ax.plot(actual["when"], actual["rate"], "-o", color=colour, lw=2.2, ms=8,
            label=t("fig_actual", lang), zorder=3)
    for _, est in traj[traj["status"] == "estimate"].iterrows():
        before = traj[traj["when"] < est["when"]].tail(1)
        xs = [*before["when"], est["when"]]
        ys = [*before["rate"], est["rate"]]
        ax.plot(xs, ys, "--", color=colour, lw=1.8, zorder=2)
        ax.plot([est["when"]], [est["rate"]], "o", ms=9, mfc="white", mec=colour, mew=2,
                zorder=4)
    handles = [Line2D([], [], color=colour, lw=2.2, marker="o", ms=8,
                      label=t("fig_actual", lang))]
    if (traj["status"] == "estimate").any():
        handles.append(Line2D([], [], color=colour, lw=1.8, ls="--", marker="o", ms=9,
                              mfc="white", mec=colour, mew=2, label=t("fig_estimate", lang)))
    for _, p in traj.iterrows():
        if pd.notna(p["households"]):
            note = t("fig_point_note", lang, rate=fmt_num(p["rate"], lang),
                     households=fmt_num(p["households"], lang, 0))
        else:
            note = f"{fmt_num(p['rate'], lang)}%"
        if p["status"] == "estimate":
            note += f"\n({t('val_estimate', lang)})"
        ax.annotate(note, (p["when"], p["rate"]), xytext=(8, 8), textcoords="offset points",
                    fontsize=9, color="#333333")
    ax.set_xticks(list(traj["when"]))
    ax.set_xticklabels([point_label(p, tp, lang).replace(" ", "\n", 1) for p, tp in
                        zip(traj["period"], traj["timepoint"], strict=True)])
    ax.set_xlim(traj["when"].min() - 0.5, traj["when"].max() + 1.0)
    ax.set_ylim(0, traj["rate"].max() * 1.3)
    ax.set_ylabel(t("fig_rate_axis", lang))
    ax.set_xlabel(t("fig_time_axis", lang))
    ax.set_title(t("fig_trajectory_title", lang, province=place))
    ax.legend(handles=handles, loc="upper right", fontsize=9)
    return ax


def annual_fall_plot(falls: pd.DataFrame, comparison: pd.DataFrame, *, lang: str,
                     ax: Axes | None = None) -> Axes:
    """Average yearly fall (pp/yr) of the spans from the first point — the estimate hatched —
    against the official targets in `comparison` (lines, or bands for a range)."""
    check_lang(lang)
    ax = _ax(ax, (6, 4.5))
    spans = falls[falls["from_first"]].reset_index(drop=True)
    colour = _colour(str(spans["place"].iloc[0])) if len(spans) else PALETTE["actual"]
    labels = [f"{point_label(r.from_period, r.from_timepoint, lang)} →\n"
              f"{point_label(r.to_period, r.to_timepoint, lang)}"
              for r in spans.itertuples(index=False)]
    y = np.arange(len(spans))
    for i, r in enumerate(spans.itertuples(index=False)):
        est = r.status == "estimate"
        ax.barh(i, r.pp_per_year, height=0.55, color="white" if est else colour,
                edgecolor=colour, hatch="//" if est else None, lw=1.5, zorder=3)
        ax.text(r.pp_per_year, i, f"  {fmt_num(r.pp_per_year, lang, 2)}", va="center",
                fontsize=9)
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
    ax.set_yticklabels(labels, fontsize=9)
    ax.invert_yaxis()
    high = max([*spans["pp_per_year"], *comparison.get("value_high", pd.Series([0.0]))])
    ax.set_xlim(0, high * 1.25 + 0.1)
    ax.set_xlabel(t("fig_fall_axis", lang))
    ax.set_title(t("fig_fall_title", lang))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=8,
              ncol=1, frameon=False)
    return ax


def trajectory_figure(traj: pd.DataFrame, falls: pd.DataFrame, comparison: pd.DataFrame, *,
                      lang: str) -> Figure:
    """Notebook 01's main figure: the trajectory (left) and the yearly fall against the
    targets (right)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 5.6),
                                      gridspec_kw={"width_ratios": [3, 2]})
    trajectory_plot(traj, lang=lang, ax=left)
    annual_fall_plot(falls, comparison, lang=lang, ax=right)
    # the right panel's legend (bars and targets) goes under both panels, clear of the source
    legend = right.get_legend()
    handles, labels = legend.legend_handles, [x.get_text() for x in legend.get_texts()]
    legend.remove()
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.06), ncol=3,
               fontsize=8, frameon=False)
    fig.subplots_adjust(wspace=0.45, bottom=0.3)
    return fig


def implied_totals_plot(totals: pd.DataFrame, growth: pd.DataFrame, *, lang: str,
                        ax: Axes | None = None) -> Axes:
    """Total households implied by each count/rate pair, with the range the rate's rounding
    allows, and the growth between the points."""
    check_lang(lang)
    ax = _ax(ax)
    place = str(totals["place"].iloc[0])
    colour = _colour(place)
    x = np.arange(len(totals))
    err = np.vstack([totals["total"] - totals["total_low"], totals["total_high"] - totals["total"]])
    ax.bar(x, totals["total"], color=colour, alpha=0.85, width=0.5, yerr=err, capsize=6,
           zorder=3)
    for i, r in enumerate(totals.itertuples(index=False)):
        ax.text(i, r.total * 0.5, f"≈{fmt_num(r.total, lang, 0)}\n"
                f"({fmt_num(r.households, lang, 0)} ÷ {fmt_num(r.rate, lang)}%)",
                ha="center", va="center", color="white", fontsize=9, fontweight="bold")
    for g in growth.itertuples(index=False):
        i = list(totals["period"]).index(g.to_period)
        ax.annotate(t("fig_growth_note", lang, change_pct=fmt_num(g.change_pct, lang, 1),
                      years=fmt_num(g.years, lang, 0), per_year=fmt_num(g.pct_per_year, lang, 2)),
                    xy=(i, g.total_to), xytext=(i - 0.5, g.total_to * 1.08), ha="center",
                    fontsize=9, arrowprops={"arrowstyle": "->", "color": "#555555"})
    ax.set_xticks(x)
    ax.set_xticklabels([point_label(p, tp, lang) for p, tp in
                        zip(totals["period"], totals["timepoint"], strict=True)])
    ax.set_ylim(0, totals["total_high"].max() * 1.25)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt_num(v, lang, 0)))
    ax.set_ylabel(t("fig_totals_axis", lang))
    ax.set_title(t("fig_totals_title", lang, province=place), fontsize=11)
    return ax


# --------------------------------------------------------------------------- 02 re-poverty

def repoverty_plot(shares: pd.DataFrame, difference: pd.DataFrame, *, lang: str,
                   ax: Axes | None = None) -> Axes:
    """Re-poverty shares by period with the fall between them in percentage points, next to
    the way the article writes it."""
    check_lang(lang)
    ax = _ax(ax, (6, 4.5))
    place = str(shares["place"].iloc[0])
    colour = _colour(place)
    x = np.arange(len(shares))
    ax.bar(x, shares["value"], color=colour, width=0.55, zorder=3)
    for i, v in enumerate(shares["value"]):
        ax.text(i, v, f"{fmt_num(v, lang)}%", ha="center", va="bottom", fontsize=10)
    if len(difference):
        d = difference.iloc[0]
        top, xa = float(d["earlier"]), len(shares) - 1 + 0.36
        ax.annotate("", xy=(xa, float(d["later"])), xytext=(xa, top),
                    arrowprops={"arrowstyle": "->", "color": PALETTE["highlight"], "lw": 1.8})
        ax.hlines(top, 0, xa, colors=PALETTE["highlight"], linestyles=":")
        ax.text(xa + 0.06, (top + float(d["later"])) / 2,
                t("fig_difference_note", lang, computed=fmt_num(d["computed"], lang, 2),
                  quote=d["stated_quote"] or "–"),
                va="center", fontsize=9, color=PALETTE["highlight"])
    ax.set_xticks(x)
    ax.set_xticklabels(list(shares["period"]))
    ax.set_xlim(-0.6, len(shares) + 0.9)
    ax.set_ylim(0, shares["value"].max() * 1.25)
    ax.set_ylabel(t("fig_repoverty_axis", lang))
    ax.set_title(t("fig_repoverty_title", lang, province=place), fontsize=10.5)
    return ax


def escaped_plot(escaped: pd.DataFrame, *, lang: str, ax: Axes | None = None) -> Axes:
    """Households out of poverty over a period, drawn as the implied yearly average: hatched,
    hollow bars, one per year, labelled as an average and not yearly data."""
    check_lang(lang)
    ax = _ax(ax, (6, 4.5))
    e = escaped.iloc[0]
    colour = _colour(str(e["place"]))
    first, last = metrics.period_years(e["period"])
    years = list(range(first, last + 1))
    ax.bar(years, [e["per_year"]] * len(years), color="white", edgecolor=colour, hatch="//",
           width=0.7, lw=1.5, zorder=3)
    more = t("qualifier_more_than", lang) if e["qualifier"] else ""
    ax.text(0.5, 0.93, t("fig_escaped_note", lang, total=more + fmt_num(e["households"], lang, 0),
                         years=fmt_num(e["years"], lang, 0),
                         per_year=more + fmt_num(e["per_year"], lang, 0)),
            transform=ax.transAxes, ha="center", va="top", fontsize=9)
    ax.set_ylim(0, e["per_year"] * 1.6)
    ax.set_xticks(years)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt_num(v, lang, 0)))
    ax.set_ylabel(t("fig_escaped_axis", lang))
    ax.set_title(t("fig_escaped_title", lang, province=e["place"], period=e["period"]),
                 fontsize=10.5)
    return ax


def repoverty_figure(shares: pd.DataFrame, difference: pd.DataFrame, escaped: pd.DataFrame,
                     *, lang: str) -> Figure:
    """Notebook 02's figure: re-poverty shares (left), households out of poverty (right)."""
    panels = 2 if len(escaped) else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 5.2), squeeze=False)
    repoverty_plot(shares, difference, lang=lang, ax=axes[0][0])
    if panels == 2:
        escaped_plot(escaped, lang=lang, ax=axes[0][1])
    fig.subplots_adjust(wspace=0.35, bottom=0.2)
    return fig


# --------------------------------------------------------------------------- 03 lessons

def theme_heatmap(matrix: pd.DataFrame, *, lang: str, highlight: str | None = None,
                  ax: Axes | None = None) -> Axes:
    """Province × theme counts from `metrics.theme_matrix` as a seaborn heatmap (themes as
    rows so their names stay readable); the chosen province's column label in bold."""
    check_lang(lang)
    ax = _ax(ax, (8, 7))
    data = matrix.T
    sns.heatmap(data, annot=True, fmt="d", cmap="Blues", cbar=False, linewidths=0.5,
                linecolor="white", ax=ax, vmin=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(t("fig_heatmap_title", lang))
    ax.xaxis.tick_top()
    colours = place_colours()
    for label in ax.get_xticklabels():
        label.set_color(colours.get(label.get_text(), PALETTE["actual"]))
        if label.get_text() == highlight:
            label.set_fontweight("bold")
    ax.tick_params(axis="y", labelsize=9)
    return ax


def similarity_heatmap(matrix: pd.DataFrame, lessons: pd.DataFrame, *, lang: str,
                       pairs: pd.DataFrame | None = None, ax: Axes | None = None) -> Axes:
    """Lesson × lesson overlap (`metrics.pair_matrix`), provinces separated by lines; the
    cross-province pairs in `pairs` (e.g. `similarity.reused_pairs`) boxed."""
    check_lang(lang)
    ax = _ax(ax, (8.5, 7.5))
    mask = np.eye(len(matrix), dtype=bool)
    sns.heatmap(matrix, mask=mask, cmap="rocket_r", vmin=0, vmax=1, square=True, ax=ax,
                cbar_kws={"label": t("fig_similarity_cbar", lang), "shrink": 0.7},
                annot=matrix.map(lambda v: fmt_num(v * 100, lang, 0)), fmt="",
                annot_kws={"fontsize": 7})
    places = list(lessons["place"])
    edges = [i for i in range(1, len(places)) if places[i] != places[i - 1]]
    for e in edges:
        ax.axhline(e, color="white", lw=3)
        ax.axvline(e, color="white", lw=3)
    ids = list(matrix.index)
    if pairs is not None:
        for r in pairs.itertuples(index=False):
            for a, b in ((r.lesson_a, r.lesson_b), (r.lesson_b, r.lesson_a)):
                ax.add_patch(Rectangle((ids.index(b), ids.index(a)), 1, 1, fill=False,
                                       edgecolor=PALETTE["highlight"], lw=2.5))
    colours = place_colours()
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        place = dict(zip(lessons["lesson_id"], lessons["place"], strict=True)).get(
            label.get_text())
        label.set_color(colours.get(place, PALETTE["actual"]) if place else "#333333")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(t("fig_similarity_title", lang))
    return ax


# --------------------------------------------------------------------------- 04 audit

def audit_plot(summary: pd.DataFrame, *, lang: str, ax: Axes | None = None) -> Axes:
    """Findings per check, stacked by status (pass / fail / flag), from `audit.summary`."""
    check_lang(lang)
    ax = _ax(ax, (8, 0.45 * len(summary) + 1.8))
    y = np.arange(len(summary))
    left = np.zeros(len(summary))
    for status, colour in STATUS_COLOURS.items():
        values = summary[status].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=colour, label=t(f"val_{status}", lang), zorder=3)
        left += values
    ax.set_yticks(y)
    ax.set_yticklabels([f"{t(f'val_{k}', lang)} · {c}" for k, c in
                        zip(summary["kind"], summary["check_id"], strict=True)], fontsize=9)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_xlabel(t("fig_audit_axis", lang))
    ax.set_title(t("fig_audit_title", lang))
    ax.legend(loc="lower right", fontsize=9)
    return ax
