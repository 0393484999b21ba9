"""The data layer: every file the package reads, and the schema that checks it.

Lives here: where things are (`paths`), the one atomic writer, the one slug and the YAML reader
(`files`), the raw article page and its metadata (`raw`), data/external (`external`), the
province table (`provinces`), data/processed (`processed`), the codebook (`codebook`), the audit
checks (`checks`), reports.yml (`config`), data/external/SOURCES.md (`sources`), and the check of
every input at once (`inputs`).

May import: `analysis.errors` only. This is the bottom floor: no other layer opens a data file.
"""
