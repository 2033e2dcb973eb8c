"""``metropoli explore STORE``: a batch store in the browser.

- :mod:`~apps.explorer.data`: the store read lazily with DuckDB (effects, fans, maps).
- :mod:`~apps.explorer.figures`: the table, the fans and the maps from those frames.
- :mod:`~apps.explorer.app`: the Solara page and the run manifests' route.
"""
