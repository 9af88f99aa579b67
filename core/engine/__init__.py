"""The engine: transcripts -> shards (`corpus`) -> term matches (`matcher`) -> hits, theme scores and
occupations (`scoring`), run over a corpus by `pipeline.analyse` through an executor (`executor`), kept in
a content-addressed cache (`cache`), and scored again in memory after a codebook edit (`rescore`). Its one
result type is `results.Analysis`.

A new matching rule (proximity, a new kind of term) lands in `matcher` and `scoring`; running the scoring
somewhere else (a cluster) is a new `executor.Executor`.

May import: `core.errors`, `core.ingest`, `core.codebook`. Never views, sharing, the workbench or hand
coding: they read its results.
"""
