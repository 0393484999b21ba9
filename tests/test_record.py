"""What a notebook records of what it computed is plain JSON."""

from __future__ import annotations

import json

from analysis.compute import metrics
from analysis.show import record


def test_records_are_plain_json(claims):
    traj = metrics.trajectory(claims, "Phú Yên")
    rec = record.records(trajectory=traj, n=3)
    text = json.dumps(rec)  # plain JSON, NaN written as null
    assert "NaN" not in text and rec["trajectory"][2]["households"] is None
