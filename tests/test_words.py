"""Sentences and labels built from computed numbers: the facts notebooks 01–03 quote, in both
languages; every number comes from the frames given."""

from __future__ import annotations

import pytest

from analysis.compute import metrics
from analysis.data.external import load_targets
from analysis.show import words

PY = "Phú Yên"


@pytest.fixture(scope="module")
def traj(claims):
    return metrics.trajectory(claims, PY)


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
