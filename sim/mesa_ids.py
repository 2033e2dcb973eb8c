"""Mesa 3.3 keeps every model (and every grid) it has seen alive; this module lets them go.

Mesa 3.3 numbers agents per model with a class attribute of :class:`mesa.Agent`,
``Agent._ids = defaultdict(partial(itertools.count, 1))``, keyed by the model itself: the
dictionary holds a strong reference to every model that ever made an agent, so no model is
ever freed (Mesa issue #3179, fixed in later Mesa by PR #3180, which needs a newer Python
than this project's 3.11). A batch worker that runs a thousand models, or a test session,
then grows without bound: 13 GB in this project's suite before this fix.

:func:`release_models` replaces that dictionary with one that holds its models weakly and
numbers their agents exactly as Mesa does (1, 2, ... per model), so every ``unique_id`` is
unchanged and a model is freed as soon as nothing else refers to it.

Each Mesa 3.3 grid also registers its own cell class with :mod:`copyreg`
(``copyreg.pickle(self.cell_klass, pickle_gridcell)``), and ``copyreg.dispatch_table`` is
never emptied: the class, its property descriptors and through them the grid's property
layers (about 0.5 MB for this project's grid) outlive the model. :func:`release_grid`
removes that entry when the grid's owner is freed.
"""

from __future__ import annotations

import copyreg
import itertools
import weakref
from typing import Any

import mesa


class WeakModelCounters(weakref.WeakKeyDictionary):
    """Per-model agent counters, each made on first use, holding their models weakly."""

    def __getitem__(self, model: Any) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


def release_models() -> None:
    """Make :class:`mesa.Agent` hold the models it numbers weakly (idempotent).

    Counters Mesa already made are kept, so agents of a model created before the call keep
    being numbered where they left off.
    """
    if isinstance(mesa.Agent._ids, WeakModelCounters):
        return
    counters = WeakModelCounters()
    for model, counter in list(mesa.Agent._ids.items()):
        counters[model] = counter
    mesa.Agent._ids = counters


def release_grid(owner: Any, grid: Any) -> None:
    """Drop ``grid``'s cell class from ``copyreg.dispatch_table`` when ``owner`` is freed.

    Pickling the grid's cells needs the entry as long as the owner (a model) lives; after
    that nothing can reach them, and the entry only kept the grid's layers alive.
    """
    weakref.finalize(owner, copyreg.dispatch_table.pop, grid.cell_klass, None)
