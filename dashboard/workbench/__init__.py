"""The Codebook page's parts: the edit and engine handles (`session`), the editor, the term report, the
hand-coding check and the right/wrong marks on quotes and transcripts (`marking`).
"""
