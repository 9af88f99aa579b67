"""Sharing a view: exports (a registry of exporters: CSV, Excel, chart tables, the report), the one-file HTML
report, chart images, and masking personal details. A new export format is one `Exporter` in `exports`.

May import: `core.errors`, `core.ingest`, `core.codebook`, `core.engine`, `core.views`.
"""
