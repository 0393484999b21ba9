"""The build layer: notebooks run with parameters, exported and indexed, cached on their inputs.

Lives here: content hashes and crash-safe staging (`cache`), running the grid of reports
(`engine`), HTML and PDF exports (`export`), regenerating data/processed (`extract`), the index
page (`index`) and the replication report (`replication`).

May import: every layer below (`show`, `compute`, `reading`, `data`) and `analysis.errors`.
Only `analysis.cli` sits above it.
"""
