"""The apps in the browser: the model's viewer and the batch explorer (Solara, 127.0.0.1).

- :mod:`apps.serve`: the one server both share: a port bound on 127.0.0.1, Solara's
  server on it until Ctrl-C or SIGTERM.
- :mod:`apps.viewer`: ``metropoli view``, Mesa's SolaraViz on ``MetroModel``.
- :mod:`apps.explorer`: ``metropoli explore STORE``, a batch store's effects, fans and maps.

As Mesa's examples keep ``app.py`` apart from ``model.py``, the apps are not the model:
they sit above ``models`` and ``calibration`` and below the command (docs/architecture.md).
"""
