"""The one setup call of a report notebook: its language checked, its province resolved once
(against the values the notebook accepts), the figure theme set, and the names its figures
are saved under. Everything after it receives the resolved values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analysis.compute.metrics import check_province
from analysis.data.files import slugify
from analysis.show import record
from analysis.show.i18n import check_lang
from analysis.show.style import set_theme


@dataclass(frozen=True)
class Run:
    """What a notebook run shows: its language, its province (canonical name, or None) and
    the parameters its figure files are named by."""

    lang: str
    province: str | None = None

    @property
    def params(self) -> dict[str, str]:
        """File-name parameters of this run's figures ('phu-yen', 'vi')."""
        return ({"province": slugify(self.province)} if self.province else {}) | \
            {"lang": self.lang}


def setup(lang: object, province: object = None, *,
          provinces: Iterable[str] | None = None) -> Run:
    """Check `lang`, resolve `province` among `provinces` (spelling-tolerant: 'phu yen' →
    'Phú Yên'; a one-line error listing them otherwise), apply the figure theme, and start
    the run's record of labels afresh."""
    lang = check_lang(lang)
    resolved = None
    if province is not None:
        resolved = check_province(province, list(provinces or []))
    record.reset_labels()
    set_theme()
    return Run(lang=lang, province=resolved)
