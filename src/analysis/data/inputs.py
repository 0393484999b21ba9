"""Every input file of the package validated in one call, so a build or a researcher who edited
a data file learns what is wrong (file, row, column, fix) before any kernel starts."""

from __future__ import annotations

from pathlib import Path

from analysis.data import checks, codebook, external, paths, processed


def check_inputs(data_dir: Path = paths.DATA) -> list[str]:
    """Validate data/external, data/processed (its derived files up to date with their
    inputs), the codebook and the audit checks.

    Returns one line per validated input; raises the first `UserError` found.
    """
    data_dir = Path(data_dir)
    ext = external.load_all(data_dir / "external")
    claims = processed.load_claims(data_dir / "processed" / processed.CLAIMS)
    lessons = processed.load_lessons(data_dir / "processed" / processed.LESSONS)
    coded = processed.load_lesson_themes(data_dir / "processed" / processed.LESSON_THEMES)
    shapes = external.load_province_shapes(data_dir / "processed" / paths.PROVINCE_SHAPES.name)
    ranks = processed.load_ranks(data_dir / "processed" / paths.GSO_RANKS.name)
    themes = codebook.load_codebook(data_dir / "codebook.yml")
    declared = checks.load_checks(data_dir / "audit_checks.yml")
    return [
        f"data/external: {len(ext.codes)} provinces, {len(ext.gso)} GSO rows, "
        f"{len(ext.boundaries)} boundary shapes",
        f"data/processed: {len(claims)} claims, {len(lessons)} lessons, "
        f"{len(coded)} lesson-theme rows",
        f"data/processed (derived, up to date with their inputs): {len(shapes)} province "
        f"shapes, {len(ranks)} GSO ranks",
        f"data/codebook.yml: {len(themes)} themes",
        f"data/audit_checks.yml: {len(declared)} checks",
    ]
