"""One look for every figure: seaborn theme, palette, a font that covers Vietnamese, a source
line under the plot naming where each number came from, and saving under a stable name."""

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


def set_theme() -> None:
    """Apply the package's seaborn theme (call once per notebook; idempotent)."""
    import seaborn as sns  # imported here: `PALETTE` users (annotate, the build) need no plots

    sns.set_theme(context="notebook", style="whitegrid", font=FONT,
                  rc={"figure.dpi": 110, "savefig.dpi": 150, "svg.fonttype": "none",
                      "axes.titleweight": "bold", "figure.autolayout": False})


#: The figure attribute where `add_source` keeps the ids it wrote (`annotate.figure_caption`
#: turns them into links to the annotated article).
SOURCE_IDS_ATTR = "source_ids"


def add_source(fig: plt.Figure, label: str, ids: Iterable[str] = ()) -> None:
    """Write the source line under the figure: `label` and the claim/source ids it draws on.

    The ids are also kept on the figure (`fig.source_ids`, in order, once each) so a caption
    can link them (`analysis.show.annotate.figure_caption`).
    """
    ids = [i for i in dict.fromkeys(ids) if i]
    setattr(fig, SOURCE_IDS_ATTR, ids)
    text = label + (f" [{', '.join(ids)}]" if ids else "")
    fig.text(0.01, 0.005, text, ha="left", va="bottom", fontsize=7.5, color="#555555",
             wrap=True)
    fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, 0.16))


def figure_name(stem: str, params: Mapping[str, object]) -> str:
    """A stable, safe file name for a figure and its parameters: 'trajectory_phu-yen_vi'."""
    parts = [stem, *(str(v) for v in params.values())]
    return "_".join(slugify(p) for p in parts if p != "")


def save_figure(fig: plt.Figure, stem: str, params: Mapping[str, object],
                folder: Path | None = None) -> list[Path]:
    """Write `fig` as PNG and SVG under `folder` (default: reports/figures of the running
    build, `analysis.data.paths.figures_dir`) and return the two paths."""
    folder = paths.figures_dir() if folder is None else Path(folder)
    name = figure_name(stem, params)
    out = []
    for ext in ("png", "svg"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, bbox_inches="tight",
                    metadata={"Date": None} if ext == "svg" else None)
        path = folder / f"{name}.{ext}"
        write_atomic(path, buffer.getvalue())
        out.append(path)
    return out
