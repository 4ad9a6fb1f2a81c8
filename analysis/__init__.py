"""mpstack's plots: figures drawn from a results database (SQLite) written by `mpstack run`,
`mpstack compare` and later `mpstack sweep`, and from nothing else.

    python3 -m analysis KIND --db DB [--run ID]... --out FILE [options]

See `python3 -m analysis --help` and docs/plots.md.
"""
