"""The `themescope` command: a thin face on the core. `main` builds the parser and is the one error boundary;
`options` declares the data options every command takes; one module per command family.

May import: every package of `core`. Kept free of heavy imports at module level, so `--help` is quick.
"""
