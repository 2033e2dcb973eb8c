"""CPU time to draw and save a run's twelve plots (the goals' series and two maps).

    python3 benchmarks/plot_time.py [--scenario scenarios/piano-completo.toml] [--repeat 3]

Simulates the scenario once at a small scale (the plots' cost does not depend on the scale:
a series has 132 points whatever the population), then builds and saves the plots
``--repeat`` times into memory, and prints the median CPU seconds (``time.process_time``) of
building and of saving. Writes ``benchmarks/out/plots.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from pathlib import Path

from models.experiments.plots import goal_figures, map_figures
from models.experiments.run import lever_markers, simulate
from models.experiments.scenario import load
from models.territory.territory import load_territory

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/piano-completo.toml")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scenario = load(args.scenario).with_run(scale=0.005, seed=1)
    result = simulate(scenario)
    markers = lever_markers(scenario.levers)
    territory = load_territory()
    build, save = [], []
    for _ in range(args.repeat):
        start = time.process_time()
        figures = goal_figures(result.indicators, markers)
        figures.update(map_figures(result.indicators, territory))
        middle = time.process_time()
        for figure in figures.values():
            figure.savefig(io.BytesIO(), dpi=110, format="png")
        build.append(middle - start)
        save.append(time.process_time() - middle)
    figures_out = {
        "scenario": args.scenario,
        "plots": len(figures),
        "build_cpu_s": round(statistics.median(build), 3),
        "save_cpu_s": round(statistics.median(save), 3),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "plots.json").write_text(json.dumps(figures_out, indent=2) + "\n")
    print(json.dumps(figures_out))


if __name__ == "__main__":
    main()
