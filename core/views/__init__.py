"""What a filtered view shows, as plain data: filters and masks (`filters`), the numbers (`aggregates`),
quotes cut from transcripts (`quotes`), the one filtered view every face uses (`snapshot`) and plain plotly
figures (`figures`). A new overview chart is a table in `aggregates` and a figure in `figures`.

May import: `core.errors`, `core.ingest`, `core.codebook`, `core.engine` (its results).
"""
