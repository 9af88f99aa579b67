"""Reading files: transcripts from folders and tables (a loader registry by suffix), text repair, speaker
turns, and downloading the public data set. Everything here yields plain `RawTranscript`s (a CSV's rows kept
as read also as `PlainRun`s of them) and records what went wrong in a `LoadReport`.

May import: `core.errors`. Never the codebook, the engine or anything after it: files come first.
"""
