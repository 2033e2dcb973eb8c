"""``metropoli view``: Mesa's SolaraViz on the model, in the browser, on 127.0.0.1."""

from __future__ import annotations

import argparse
from pathlib import Path

from metropoli.options import integer, number

DEFAULT_SCALE = 0.01
"""The viewer's scale unless --scale: a month in about 20 ms, the page's drawing aside."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``view`` sub-command."""
    view = sub.add_parser(
        "view",
        help="open the model in Mesa's SolaraViz (a page on 127.0.0.1)",
        description="Serve Mesa's SolaraViz on the model on 127.0.0.1: the map of the 38 "
        "comuni coloured by an indicator you pick, on/off, intensity and start of the "
        "plan's projects, seed and scale, step / play / reset, and the eight goals' "
        "headline indicators plotted live with the projects' starts marked. Ctrl-C stops it.",
    )
    view.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        help="scenario TOML file whose projects start switched on (default: none, the baseline)",
    )
    view.add_argument(
        "--scale",
        type=number,
        metavar="S",
        help=f"agents per real person or firm (default {DEFAULT_SCALE}; not the file's)",
    )
    view.add_argument(
        "--seed", type=integer, metavar="N", help="random seed (default the file's, or 1)"
    )
    view.add_argument(
        "--port", type=integer, default=8765, metavar="P", help="port on 127.0.0.1 (default 8765)"
    )


def command(args: argparse.Namespace) -> int:
    """Check the scenario and the port, then serve the viewer until interrupted."""
    from apps.serve import bind, serve
    from apps.viewer.projects import initial_projects
    from models.experiments import scenario as scenarios
    from models.model import MetroModel
    from sim.calendar import format_month
    from sim.scenario import scenario_from_data

    if args.scenario is not None:
        sc = scenarios.load(args.scenario)
    else:  # the baseline: no project switched on
        run = {"start": "2015-01", "end": "2025-12", "seed": 1, "scale": DEFAULT_SCALE}
        sc = scenario_from_data({"run": run}, "", scenarios.schema(), "(no scenario)", "baseline")
    sc = sc.with_run(seed=args.seed, scale=DEFAULT_SCALE if args.scale is None else args.scale)
    sock = bind(args.port)  # a port in use: one line, exit status 2
    from apps.viewer.state import ViewConfig, configure

    configure(
        ViewConfig(
            seed=sc.seed,
            scale=sc.scale,
            end=format_month(sc.end),
            projects=initial_projects(sc.levers, MetroModel.FIRST_MONTH, sc.end),
            title=f"Torino Metropoli: MetroModel ({sc.name})",
        )
    )
    return serve("apps.viewer.app:Page", sock, "metropoli view: Mesa's SolaraViz")
