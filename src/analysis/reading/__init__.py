"""The reading layer: Vietnamese text in, tidy frames with character offsets out.

Lives here: the article's structure (`article`), any Unicode form read as NFC with offsets
mapped back (`normal`), where sentences, clauses and lines are (`text`), numbers in prose
(`numbers`), quantitative claims (`claims`) with the time and status read from the whole text
(`context`) and their places (`places`), enumerated lessons (`lessons`), the coding of lessons
by theme (`themes`) and the similarity of lesson texts (`similarity`).

May import: `analysis.data` (the province table, the codebook) and `analysis.errors`.
"""
