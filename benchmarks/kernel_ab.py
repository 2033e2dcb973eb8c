"""CPU time of the per-person kernels, this tree's against another checkout's, in one process.

Usage::

    NUMBA_CACHE_DIR=$(mktemp -d) NUMBA_NUM_THREADS=1 PYTHONPATH=. \\
        python3 benchmarks/kernel_ab.py SCALE [CHUNK] [OTHER_CHECKOUT]

The model (seed 1, ``SCALE``) is built and stepped three months; then each kernel of the
other checkout (``/work/main`` by default, its component modules loaded from their files)
and of this tree runs on fresh copies of the same tables, alternately, and the best of 7
``time.process_time`` figures of each is printed. Both see the same data, the same moment
of a shared machine and the same columns, so the difference is the kernels' code. A fresh
``NUMBA_CACHE_DIR`` is needed: numba cannot reload the cache of a module loaded from a
file path. ``CHUNK`` is this tree's rows a chunk (default :data:`sim.chunks.ROW_CHUNK`).
``KERNELS=demography,education`` times only those.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable

import numpy as np

from models.components import census as cs
from models.components import commuting as cm
from models.components import demography as dm
from models.components import education as ed
from models.components import housing as hs
from models.components import labour as lb
from models.draws import (
    COMMUTING_DRAWS,
    DEMOGRAPHY_DRAWS,
    EDUCATION_DRAWS,
    HOUSING_DRAWS,
    LABOUR_DRAWS,
)
from models.model import MetroModel
from sim import chunks

NAMES = ("demography", "education", "labour", "commuting", "census", "housing")
ONLY = tuple(os.environ["KERNELS"].split(",")) if os.environ.get("KERNELS") else ()
KEY = np.uint64(5)


def load(other: str, name: str):
    """The other checkout's component module ``name``, loaded from its file."""
    spec = importlib.util.spec_from_file_location(
        f"other_{name}", f"{other}/models/components/{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_ms(model: MetroModel, call: Callable, repeats: int = 7) -> float:
    """The best CPU time of ``call(people, firms, flows)`` on fresh copies, ms."""
    times = []
    for _ in range(repeats):
        people, firms, flows = model.people.copy(), model.firms.copy(), model.flows.copy()
        start = time.process_time()
        call(people, firms, flows)
        times.append(time.process_time() - start)
    return 1000 * min(times)


def calls(m: MetroModel, other: dict, month: int, chunk: int) -> dict[str, tuple]:
    """Each kernel's (other checkout's call, this tree's call)."""
    d, ones = m.demography, np.ones(40)

    def demography(new):
        def call(p, f, fl):
            args = (KEY, month, p.view(dm.DemographyPeople), f.employees, d.rules(ones))
            args += (dm.DemographyTables(d.death_p, d.birth_p, ones), DEMOGRAPHY_DRAWS, fl)
            args += (np.empty(p.count, np.int64),)
            kernel = dm.demography_kernel if new else other["demography"].demography_kernel
            kernel(*args, chunk)

        return call

    def education(new):
        def call(p, f, fl):
            args = (KEY, month, p.view(ed.EducationPeople), f.employees)
            args += (m.education.rules(month), m.hooks.enrolment, EDUCATION_DRAWS, fl)
            kernel = ed.education_kernel if new else other["education"].education_kernel
            kernel(*args, chunk)

        return call

    def separations(new):
        def call(p, f, fl):
            args = (KEY, month, p.view(lb.SeparationPeople), f.view(lb.LabourFirms))
            args += (np.zeros(f.count), m.labour_market.separation_rules(month), LABOUR_DRAWS, fl)
            rows, effort = np.empty(p.count, np.int64), np.empty(p.count)
            kernel = lb.separations_kernel if new else other["labour"].separations_kernel
            kernel(*args, lb.JobSeekers(rows, effort, 0), chunk)

        return call

    def commuting(new):
        def call(p, f, fl):
            tally = cm.CommuteTally()
            args = (KEY, p.view(cm.CommutingPeople), f.zone, m.commuting.transit_quality)
            args += (
                m.commuting.rules(),
                COMMUTING_DRAWS,
                cm.CommuteCounts(tally.od, tally.km_by_mode),
            )
            kernel = cm.commuting_kernel if new else other["commuting"].commuting_kernel
            kernel(*args, chunk)

        return call

    def census(new):
        def call(p, f, fl):
            stocks = np.zeros((cs.N_PEOPLE_STOCKS, 40))
            hist = cs.IncomeHistogram(*(np.zeros((40, cs.N_BINS + 1)) for _ in range(2)))
            cols = cs.CensusPeople(p.alive, p.zone, p.born, p.status, p.since, p.education,
                                   p.income, p.income.view(np.int32))  # fmt: skip
            kernel = cs.people_stocks if new else other["census"].people_stocks
            kernel(month, cols, stocks, hist, cs.CENSUS_CHUNKS * chunk)

        return call

    def moves(new):
        def call(p, f, fl):
            occ = m.layer["residents"].copy()
            attract = np.append(m.comuni_services.attractiveness[:38], -50.0)
            free_cdf = hs.free_capacity_cdf(m.layer["housing_capacity"], occ, m.cell_zone)
            market = hs.HousingMarket(free_cdf,
                                      m.cell_zone, occ, m.layer["rent"].copy(),
                                      m.layer["green_access"], attract, f.cell,
                                      m.university_cells)  # fmt: skip
            args = (KEY, month, p.view(hs.MovesPeople), market, m.space, m.housing.rules())
            args += (HOUSING_DRAWS, fl)
            kernel = hs.moves_kernel if new else other["housing"].moves_kernel
            kernel(*args, chunk)

        return call

    makers = {"demography": demography, "education": education, "separations": separations}
    makers |= {"commuting": commuting, "census": census, "moves": moves}
    return {name: (make(False), make(True)) for name, make in makers.items()}


def main() -> int:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.3
    chunk = int(sys.argv[2]) if len(sys.argv) > 2 else chunks.ROW_CHUNK
    other_root = sys.argv[3] if len(sys.argv) > 3 else "/work/main"
    other = {name: load(other_root, name) for name in NAMES}
    model = MetroModel(seed=1, scale=scale, end="2016-12")
    for _ in range(3):
        model.step()
    month = model.first_month + 3
    print(f"rows {model.people.count}, chunk {chunk}, other {other_root}")
    for name, (old, new) in calls(model, other, month, chunk).items():
        if ONLY and name not in ONLY:
            continue
        best_ms(model, old, 1), best_ms(model, new, 1)  # compile or load
        a, b = best_ms(model, old), best_ms(model, new)
        a, b = min(a, best_ms(model, old)), min(b, best_ms(model, new))
        print(f"{name}: other {a:.2f} ms, this tree {b:.2f} ms ({100 * (b / a - 1):+.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
