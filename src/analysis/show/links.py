"""Names and links of the annotated article: its page for each language, and the anchor of
every claim and lesson on it, as reports, tables, captions and the landing page link them.
Light on purpose (no pandas): the build links pages without loading any table."""

from __future__ import annotations

from urllib.parse import quote

from analysis.data import paths
from analysis.errors import UserError
from analysis.show.i18n import check_lang

#: What an anchor can point to: `id="claim-<id>"` and `id="lesson-<id>"`.
KINDS = ("claim", "lesson")


def page_name(stem: str, lang: str = "vi") -> str:
    """The annotated page's file name for an input's stem: '<stem>.html' / '<stem>_en.html'."""
    check_lang(lang)
    return f"{stem}.html" if lang == "vi" else f"{stem}_{lang}.html"


def source_page(lang: str = "vi", stem: str = paths.ARTICLE.stem, *,
                base: str = "../source") -> str:
    """Relative URL of the annotated article from reports/html/ or reports/html-nocode/."""
    return f"{base}/{page_name(stem, lang)}"


#: The annotated article of record, as linked from reports/html/ and reports/html-nocode/.
DEFAULT_PAGE = source_page("vi")


def anchor(kind: str, id: object) -> str:
    """The element id of a claim or lesson on the page: 'claim-<id>' / 'lesson-<id>'."""
    if kind not in KINDS:
        raise UserError(f"unknown anchor kind {kind!r}", where="parameter kind",
                        fix=f"use one of: {', '.join(KINDS)}")
    return f"{kind}-{id}"


def source_link(kind: str, id: object, *, page: str = DEFAULT_PAGE) -> str:
    """URL of one claim or lesson on the annotated page, e.g. '../source/x.html#claim-c1'.

    `page` is the page's URL relative to the linking document (default: the article of record
    seen from reports/html/); use `source_page("en")` from English reports. Characters that
    are not URL-safe are percent-encoded (a browser decodes them before matching the id).
    """
    return f"{quote(page, safe='/:._-~')}#{quote(anchor(kind, id), safe='-._~')}"
