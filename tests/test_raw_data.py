"""The article page is data of record: byte-identical to the seed, described by its metadata."""

import hashlib

import yaml

from analysis.data import paths

SEED_SHA256 = "e12d79e807ea616462c758a0a1a016b9ae42d9562ba8db556c8468225166ccd9"


def test_raw_article_is_unchanged():
    assert hashlib.sha256(paths.ARTICLE.read_bytes()).hexdigest() == SEED_SHA256


def test_metadata_describes_the_raw_file():
    meta = yaml.safe_load(paths.ARTICLE_META.read_text(encoding="utf-8"))
    assert meta["sha256"] == SEED_SHA256
    assert meta["bytes"] == paths.ARTICLE.stat().st_size == 20981
    assert meta["title"] == "Những bài học kinh nghiệm từ công tác giảm nghèo bền vững"
    assert meta["published"] == "2020-12-20T15:38:00+07:00"
    assert meta["byline"] == "Phạm Nguyễn"
    assert meta["language"] == "vi"
    assert "navigation" in meta["note"]


def test_external_data_and_licences_are_in_the_repository():
    names = {p.name for p in paths.EXTERNAL.rglob("*") if p.is_file()}
    assert {"SOURCES.md", "CITATION-AND-USE-geoBoundaries.txt", "geoBoundaries-VNM-ADM1.geojson",
            "gso_poverty_rate_by_province_2006_2016.csv",
            "vietnam_provinces_63_codes.csv"} <= names
    readme = (paths.DATA / "README.md").read_text(encoding="utf-8")
    for name in sorted(n for n in names if n.endswith(".csv")):
        assert name in readme, f"data/README.md does not describe {name}"
