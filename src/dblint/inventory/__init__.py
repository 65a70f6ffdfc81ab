"""The repository inventory: every file that touches the database and every table.

`rows.build(result, cwd, by, min_risk)` turns the engine's result (the same
discovery, contexts, config, index and findings as `dblint check`) into rows and
totals; the renderers (`renderers.RENDERERS`) only format them. Nothing is
imported here, so that `risk.LEVELS` stays cheap for the command line.
"""
