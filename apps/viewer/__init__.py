"""``metropoli view``: Mesa's SolaraViz on the model.

- :mod:`~apps.viewer.projects`: the plan's projects as the controls set them (no Solara).
- :mod:`~apps.viewer.figures`: the map and the headlines of the model's current month.
- :mod:`~apps.viewer.components`: the Solara components Mesa has none of.
- :mod:`~apps.viewer.app`: the page: Mesa's ``SolaraViz`` with them and its plots.
"""
