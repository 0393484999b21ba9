"""Sentences and labels built from computed numbers: the facts notebooks 01–03 quote and the
paragraphs of notebook 05, in both languages; every number comes from the frames given."""

from __future__ import annotations

import csv

from analysis.compute import context, maps, metrics
from analysis.data import external, paths
from analysis.data.external import load_targets
from analysis.data.processed import load_claims
from analysis.show import words

PY = "Phú Yên"


def _expected_rank(province, year):
    """1 + the number of provinces with a strictly higher rate that year, read with csv."""
    with open(paths.EXTERNAL / external.GSO_PROVINCE, encoding="utf-8", newline="") as f:
        values = {r["province"]: float(r["value"]) for r in csv.DictReader(f)
                  if r["geo_level"] == "province" and int(r["year"]) == year}
    return 1 + sum(v > values[province] for v in values.values()), len(values)


def test_trajectory_facts(traj):
    falls = metrics.annual_falls(traj)
    cmp = metrics.target_comparison(falls, load_targets())
    totals = metrics.implied_totals(traj)
    facts = words.trajectory_facts(traj, falls, cmp, totals, metrics.total_growth(totals), "vi")
    assert (facts["first_rate"], facts["first_households"]) == ("12,62", "30.803")
    assert (facts["actual"], facts["last"], facts["last_rate"]) == ("cuối 2019", "cuối 2020",
                                                                    "2,54")
    assert facts["pp_per_year"] == "2,17"
    assert "244.081" in facts["totals"]


def test_summary_and_rank_rule_texts(data, ranks):
    ctx = context.province_context(data.gso, data.codes, ranks, "An Giang")
    text = words.summary_text(ctx, "en")
    assert "An Giang's poverty rate in 2016 (preliminary) was 2.7%" in text
    rank, n = _expected_rank("An Giang", 2016)
    assert f"rank {rank} of the {n} provinces" in text
    rule = words.rank_rule_text(ranks, "vi")
    assert "TP Hồ Chí Minh" in rule and "62 tỉnh" in rule


def test_reading_text_numbers_come_from_the_files(data):
    text = words.reading_text(data.gso, data.national, "Phú Yên", "vi")
    assert "9,88%" in text and "7,0%" in text and "8,4%" in text and "2,75%" in text
    assert "5,8–6%" in text and "9,9%" in text and "4,5%" in text
    en = words.reading_text(data.gso, data.national, "Phú Yên", "en")
    assert "changed in 2016" in en and "9.88%" in en


def test_claims_note_only_while_claims_csv_is_missing(tmp_path):
    note = words.claims_note(context.article_rates(None), "en")
    assert "not been made yet" in note and "claims.csv" not in note  # words, not a file name
    assert words.claims_note(context.article_rates(load_claims()), "en") == ""


def test_map_note(data, shapes, ranks):
    joined = maps.join_rates(shapes, data.codes, data.gso, ranks)
    note = words.map_note(maps.join_counts(joined, shapes), "en")
    assert "joins 63 province shapes" in note and "62 provinces have a value for 2016" in note
