"""The show layer: words, figures, tables and the annotated article, in Vietnamese or English.

Lives here: translations and locale numbers (`i18n`), one look for every figure (`style`), every
figure (`plots`), sentences built from computed numbers (`words`), display tables (`tables`),
what a notebook records of what it shows (`record`) and the annotated article (`annotate`).

May import: `analysis.compute`, `analysis.reading`, `analysis.data`, `analysis.errors`.
"""
