"""The codebook workbench: what an edit changes (`diff`), what each term matches (`terms`) and codebook lint
(`lint`), all on a cached corpus scored again in memory.

May import: `core.errors`, `core.ingest`, `core.codebook`, `core.engine`, `core.views`.
"""
