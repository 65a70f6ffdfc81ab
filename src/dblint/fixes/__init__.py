"""Automatic fixes: planned from the index as plain data (`model.Fix`, carried by a
`Diagnostic`), applied to the source with LibCST (`apply`), and written or shown
as a diff by the adapters (`files`). Planning never touches LibCST; applying never
reads the index.
"""
