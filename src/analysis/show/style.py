"""One look for every figure: seaborn theme, palette, a font that covers Vietnamese, a source
line under the plot naming where each number came from, and one SVG per figure, saved under a
stable name.

Figures are drawn for the printed page: no wider than the PDF's text block (`TEXT_WIDTH_IN`),
with a few named font sizes, none under `MIN_FONT_PT` as printed (`font_check` measures it)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.data import paths
from analysis.data.files import slugify, write_atomic
from analysis.data.provinces import article_provinces

if TYPE_CHECKING:  # seaborn and pyplot cost ~1.5–4 s to import: only where a figure is made
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

#: DejaVu Sans ships with matplotlib and covers every Vietnamese letter (NFC and NFD).
FONT = "DejaVu Sans"

#: Colours by role, so the same thing has the same colour in every figure.
PALETTE: dict[str, str] = {
    "actual": "#1b6ca8",
    "estimate": "#8fb8de",
    "target": "#6c757d",
    "region": "#edae49",
    "country": "#3d3d3d",
    "highlight": "#d1495b",
}

#: Colours of the article's provinces, by their position in the article
#: (`analysis.data.provinces.article_provinces`): the first, the second, the third.
PLACE_COLOURS: tuple[str, ...] = ("#1b6ca8", "#d1495b", "#2e933c")


def place_colours(places: Iterable[str] | None = None) -> dict[str, str]:
    """Each of the article's provinces (or of `places`, in order) with its colour from
    `PLACE_COLOURS`, by position; provinces beyond the colours get none."""
    places = article_provinces() if places is None else places
    return dict(zip(places, PLACE_COLOURS, strict=False))


def place_colour(place: str, default: str = PALETTE["actual"]) -> str:
    """The colour of one of the article's provinces (the same in every figure), else
    `default`."""
    return place_colours().get(place, default)


#: The page a figure is drawn for: the PDF's text block (A4, 2 cm side margins) is 17 cm wide.
#: A figure no wider prints at its natural size; a wider one is scaled down, and its text with it.
TEXT_WIDTH_IN = 6.69
#: The smallest text a reader should meet on paper, in points at printed size (`font_check`).
MIN_FONT_PT = 7.0

#: The few font sizes (points) every figure uses: `set_theme` gives them to matplotlib, and
#: `analysis.show.plots` names them where it sizes a text itself.
FONT_HEADLINE = 10.0  # a figure's title (over several panels)
FONT_TITLE = 9.5      # a panel's title
FONT_BASE = 8.5       # axis labels, notes and numbers written on a plot
FONT_SMALL = 7.5      # tick labels, legends, the source line
FONT_DENSE = MIN_FONT_PT  # numbers in the cells of a large heatmap

#: Margin (inches) kept free at a figure's edges and around the strips added under and over
#: its panels (the source line, notes, titles): constrained layout's own padding, 3 pt.
PAD_IN = 3 / 72
#: Margin (inches) around a figure as shown and saved (`figure_svg`).
SAVE_PAD_IN = 0.02

#: The source line's colour (and that of the notes set beside the plot).
NOTE_COLOUR = "#555555"


def figure_size(height_in: float, width_in: float = TEXT_WIDTH_IN) -> tuple[float, float]:
    """(width, height) in inches for `plt.subplots(figsize=...)`: as wide as the text block
    unless told otherwise."""
    return (width_in, height_in)


def set_theme() -> None:
    """Apply the package's seaborn theme (call once per notebook; idempotent): seaborn's
    "paper" context with the named font sizes, DejaVu Sans, figures as wide as the page."""
    import seaborn as sns  # deferred import (README: Architecture)

    sns.set_theme(context="paper", style="whitegrid", font=FONT,
                  rc={"font.size": FONT_BASE, "axes.labelsize": FONT_BASE,
                      "axes.titlesize": FONT_TITLE, "axes.titleweight": "bold",
                      "figure.titlesize": FONT_HEADLINE, "figure.titleweight": "bold",
                      "figure.labelsize": FONT_BASE,
                      "xtick.labelsize": FONT_SMALL, "ytick.labelsize": FONT_SMALL,
                      "legend.fontsize": FONT_SMALL, "legend.title_fontsize": FONT_SMALL,
                      "figure.figsize": figure_size(3.6), "figure.dpi": 110,
                      "savefig.dpi": 150, "savefig.pad_inches": SAVE_PAD_IN,
                      "figure.autolayout": False,
                      # text measures the same at every resolution: a figure laid out on
                      # screen keeps its width saved at 150 dpi or as SVG
                      "text.hinting": "no_hinting"})


class _TextSizes:
    """A renderer that hands every call on to `renderer` and keeps the size (points) of each
    non-empty text drawn through it: what is drawn, not what merely exists (a hidden axis's
    tick labels, ticks outside the view)."""

    def __init__(self, renderer: object) -> None:
        self._renderer = renderer
        self.sizes: list[float] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._renderer, name)

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if str(s).strip():
            self.sizes.append(float(prop.get_size_in_points()))
        return self._renderer.draw_text(gc, x, y, s, prop, angle, ismath, mtext)

    def draw_tex(self, gc, x, y, s, prop, angle, *, mtext=None):
        if str(s).strip():
            self.sizes.append(float(prop.get_size_in_points()))
        return self._renderer.draw_tex(gc, x, y, s, prop, angle, mtext=mtext)


def printed_width(fig: plt.Figure) -> float:
    """The width (inches) `fig` takes on the page: the larger of the figure and the image
    `figure_svg` draws (everything drawn, cropped, plus `SAVE_PAD_IN` on each side)."""
    tight = fig.get_tightbbox()
    return max(float(fig.get_figwidth()), float(tight.width) + 2 * SAVE_PAD_IN)


def font_check(fig: plt.Figure, width_in: float = TEXT_WIDTH_IN) -> float:
    """The smallest text of `fig` as printed, in points: the size of the smallest visible text
    drawn (figure texts, titles, labels, tick labels, legends, annotations, colour-bar ticks)
    times the scale the page prints the figure at, min(1, width_in / `printed_width`).

    Draws the figure once, on its canvas's renderer (Agg, as in the tests and the notebooks'
    inline images); a figure without text gives infinity.
    """
    recorder = _TextSizes(fig.canvas.get_renderer())
    fig.draw(recorder)
    if not recorder.sizes:
        return float("inf")
    return min(recorder.sizes) * min(1.0, width_in / printed_width(fig))


#: The figure attribute where `add_source` keeps the ids it wrote (`annotate.figure_caption`
#: turns them into links to the annotated article).
SOURCE_IDS_ATTR = "source_ids"


def add_source(fig: plt.Figure, label: str, ids: Iterable[str] = ()) -> None:
    """Write the source line under the figure: `label` and the claim/source ids it draws on.

    The line is set in `FONT_SMALL`, wrapped to the figure's width, in a strip added below
    everything already drawn (the figure grows by the strip's height, so nothing moves or
    shrinks and the line never covers a plot, a legend or a note).

    The ids are also kept on the figure (`fig.source_ids`, in order, once each) so a caption
    can link them (`analysis.show.annotate.figure_caption`).
    """
    ids = [i for i in dict.fromkeys(ids) if i]
    setattr(fig, SOURCE_IDS_ATTR, ids)
    text = label + (f" [{', '.join(ids)}]" if ids else "")
    width = float(fig.get_figwidth())
    line = fig.text(PAD_IN / width, 0, text, ha="left", va="bottom", fontsize=FONT_SMALL,
                    color=NOTE_COLOUR)
    line.set_text(wrap_text(line, width - 2 * PAD_IN))
    strip = line.get_window_extent().height / fig.dpi + 3 * PAD_IN  # a wider gap above
    grow_figure(fig, below=strip, keep=[line])
    line.set_y(PAD_IN / float(fig.get_figheight()))


def wrap_text(text: Text, width_in: float) -> str:
    """Break the lines of `text` at spaces so that none is longer than `width_in` in its font
    (a word longer than that gets a line of its own); sets and returns the new text. A text
    turned upright (a y label) is measured along its lines too."""
    upright = round(text.get_rotation()) % 180 == 90

    def length() -> float:
        box = text.get_window_extent()
        return (box.height if upright else box.width) / text.figure.dpi

    lines: list[str] = []
    for paragraph in text.get_text().split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            text.set_text(candidate)
            if current and length() > width_in:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    text.set_text("\n".join(lines))
    return text.get_text()


def grow_figure(fig: plt.Figure, *, below: float = 0.0, above: float = 0.0,
                keep: Iterable[Text] = ()) -> None:
    """Add a strip `below` inches high at the bottom of `fig` and one `above` inches high at
    its top: the figure grows, and everything on it (its axes, or the area its layout engine
    fills, its figure texts other than `keep`, its figure legends) keeps its size and its
    place relative to the rest, so the new strips are free for a title, a note or the source
    line."""
    width, height = (float(v) for v in fig.get_size_inches())
    grown = height + below + above

    def lift(y: float) -> float:
        return (y * height + below) / grown

    # figure legends are anchored in figure fractions: read them before the figure grows
    to_fraction = fig.transFigure.inverted()
    anchors = [(legend, legend.get_bbox_to_anchor().transformed(to_fraction).bounds)
               for legend in fig.legends]
    fig.set_size_inches(width, grown)
    engine = fig.get_layout_engine()
    rect = engine.get().get("rect") if engine is not None else None
    if rect is not None:  # constrained or tight layout: the engine places the axes
        left, bottom, w, h = rect
        engine.set(rect=(left, lift(bottom), w, h * height / grown))
    else:
        for ax in fig.axes:
            box = ax.get_position()
            ax.set_position([box.x0, lift(box.y0), box.width, box.height * height / grown])
    kept = list(keep)
    for text in fig.texts:
        if text not in kept and text.get_transform() == fig.transFigure:
            text.set_y(lift(text.get_position()[1]))
    for legend, (x0, y0, w, h) in anchors:
        legend.set_bbox_to_anchor((x0, lift(y0), w, h * height / grown), fig.transFigure)


def figure_name(stem: str, params: Mapping[str, object]) -> str:
    """A stable, safe file name for a figure and its parameters: 'trajectory_phu-yen_vi'."""
    parts = [stem, *(str(v) for v in params.values())]
    return "_".join(slugify(p) for p in parts if p != "")


def figure_svg(fig: plt.Figure, salt: str = "") -> str:
    """`fig` as the SVG every reader sees, drawn once: cropped to what is drawn plus
    `SAVE_PAD_IN`, text as paths (the same look in every browser and in the PDF, no font to
    embed; each text is kept beside its paths as an XML comment), no date, and element ids
    salted with `salt` so two builds of a figure give the same bytes."""
    import matplotlib.pyplot as plt  # deferred import (README: Architecture)

    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": salt or None}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=SAVE_PAD_IN,
                    metadata={"Date": None})
    return buffer.getvalue()


def write_figure(svg: str, stem: str, params: Mapping[str, object],
                 folder: Path | None = None) -> Path:
    """Write a figure's SVG (`figure_svg`) under `folder` (default: reports/figures of the
    running build, `analysis.data.paths.figures_dir`) under its stable name; return the path.
    The file is the image the report shows, byte for byte: a figure is drawn once."""
    folder = paths.figures_dir() if folder is None else Path(folder)
    path = folder / f"{figure_name(stem, params)}.svg"
    write_atomic(path, svg.encode("utf-8"))
    return path
