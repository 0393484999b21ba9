"""The reading layer: Vietnamese text in, tidy frames with character offsets out.

Lives here: the article's structure (`article`), numbers in prose (`numbers`), quantitative
claims (`claims`), enumerated lessons (`lessons`), the coding of lessons by theme (`themes`) and
the similarity of lesson texts (`similarity`).

May import: `analysis.data` (the province table, the codebook) and `analysis.errors`.
"""
