"""The compute layer: frames and numbers only, no words and no pictures.

Lives here: the article's trajectories, falls and implied totals (`metrics`), the claims audit
(`audit`), a province among the 63 (`context`) and the map join (`maps`).

May import: `analysis.reading`, `analysis.data`, `analysis.errors`.
"""
