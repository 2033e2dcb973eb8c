"""``metropoli check``: validate a scenario or batch file and say what it would run."""

from __future__ import annotations

import argparse
from pathlib import Path

from metropoli.batch import check_batch
from metropoli.options import add_run_overrides, integer, warn_below_recommended
from sim.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``check`` sub-command."""
    check = sub.add_parser(
        "check",
        help="validate a scenario or batch file and say what it would run",
        description="Check a scenario file, or a batch file (how many runs, how long), "
        "without running it.",
    )
    check.add_argument("scenario", type=Path, help="scenario or batch TOML file")
    check.add_argument(
        "--workers", type=integer, default=2, metavar="N", help="workers to estimate a batch for"
    )
    add_run_overrides(check)


def command(args: argparse.Namespace) -> int:
    """Validate a scenario (or a batch file) and describe it."""
    from models.components.lever_settings import inactive
    from models.components.levers import SPEC_BY_CODE
    from models.experiments import scenario as scenarios
    from models.territory.territory import load_territory
    from sim.calendar import format_month
    from sim.experiments.batchfile import is_batch
    from sim.tomlfile import read_toml

    if is_batch(read_toml(args.scenario)[1]):
        return check_batch(args)
    if args.seeds is not None:
        raise InputError(
            "--seeds is for batch files (a scenario runs one seed; `metropoli run --seed N`)",
            "--seeds",
        )
    sc = scenarios.load(args.scenario).with_run(scale=args.scale)
    print(f"OK: {sc.describe()}")
    if not sc.levers:
        print("  levers: none (baseline)")
    territory = load_territory()
    names = dict(zip(territory.codes, territory.names, strict=True))
    total = 0.0
    for code, lever in sc.levers.items():
        spec = SPEC_BY_CODE[code]
        cost = spec.cost_eur * lever.intensity
        total += cost
        where = ", ".join(names[t] for t in lever.targets) if lever.targets else "all 38 comuni"
        until = f" until {format_month(lever.end)}" if lever.end is not None else ""
        print(
            f"  {code:4s} {spec.name}: from {format_month(lever.start)}{until}, ramp "
            f"{lever.ramp_months} months, intensity {lever.intensity:g}, {where}; "
            f"{cost / 1e6:.1f} M EUR/year"
        )
    if sc.levers:
        print(f"  total cost at full strength: {total / 1e6:.1f} M EUR/year")
    late = inactive(sc.levers, sc.end)
    if late:
        print(f"  {late}")
    warn_below_recommended(sc.scale, "run")
    return 0
