"""``metropoli explore STORE``: a batch store's effects, fans and maps in the browser."""

from __future__ import annotations

import argparse
from pathlib import Path

from metropoli.options import integer


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``explore`` sub-command."""
    explore = sub.add_parser(
        "explore",
        help="explore a batch store in the browser (a page on 127.0.0.1)",
        description="Serve a batch store (metropoli batch --out DIR) on 127.0.0.1: pick "
        "scenarios (two side by side, or all), a goal or an indicator and a year, and see "
        "the paired effects against the baseline with their intervals, the fan charts and "
        "the maps per comune, with a link to each run's manifest. The store is read lazily "
        "(DuckDB over its Parquet files). Ctrl-C stops it.",
    )
    explore.add_argument("store", type=Path, help="the batch store folder")
    explore.add_argument(
        "--port", type=integer, default=8766, metavar="P", help="port on 127.0.0.1 (default 8766)"
    )


def command(args: argparse.Namespace) -> int:
    """Open the store, check the port, then serve the explorer until interrupted."""
    from apps.explorer.data import StoreView
    from apps.serve import bind, serve

    store = StoreView.open(args.store)  # a bad store: one line, exit status 2
    sock = bind(args.port)  # a port in use: the same
    from apps.explorer import app

    app.configure(store)
    return serve(
        "apps.explorer.app:Page", sock, f"metropoli explore {args.store}", [app.manifest_route()]
    )
