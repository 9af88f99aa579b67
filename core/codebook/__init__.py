"""The codebook: the YAML schema and the validated `Codebook` value object (`model`), edits of its text that
keep the rest as written (`edits`), and saving with every earlier version kept (`history`).

May import: `core.errors`, `core.ingest` (the one tokenizer, so terms split into words as transcripts do).
"""
