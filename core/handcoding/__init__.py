"""Hand coding: labels files (reading, and writing marks safely: `labels`), agreement of the codebook with
them (`evaluate`) and between coders, threshold sweeps and the review queue (`agreement`).

May import: `core.errors`, `core.ingest`, `core.codebook`, `core.engine`, `core.views`, `core.workbench`.
"""
