"""Components: one behaviour of a model each, with its state, its rules and its month.

A model built of components (LASER's components and Starsim's modules are the examples)
keeps only the space, the agent tables and the list of components; its month is the plan
of their steps, in order (:func:`month_plan`). A component

* is built with the model, after the tables, and sets up the state it owns; then, once
  every component exists, :meth:`Component.init_post` takes what it reads from the others
  (Starsim's life cycle), so no component depends on the order they are built in;
* names the table columns its kernel reads (a NamedTuple of arrays) and builds the month's
  rules (a NamedTuple of scalars) from the parameters and the levers' hooks;
* runs its month in :meth:`Component.step`: the kernel call and the Python half of the
  behaviour (new agents, their places), nothing else.

Other components read a component's state through its attributes; a component that only
measures changes nothing that any other reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from sim.phases import Phase, PhasePlan


class Component:
    """One behaviour of a model.

    Attributes:
        name: the component's one name: its class in snake case, its phase in the month's
            plan and its attribute on the model.
        stream: the name of its random stream (``name`` unless set): the key of every draw it
            makes, so it never changes once results depend on it.
        doc: one line saying what the month's step does.
        needs: the components whose monthly state this one reads; a plan that runs this
            one without them is refused (the state would silently stand still).
        model: the model the component belongs to.
    """

    name: ClassVar[str] = ""
    stream: ClassVar[str] = ""
    doc: ClassVar[str] = ""
    needs: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.stream:
            cls.stream = cls.name

    def __init__(self, model: Any) -> None:
        """Set up the state the component owns, from the model's tables only.

        No other component is guaranteed to exist yet: what it reads from them waits for
        :meth:`init_post`.
        """
        self.model = model

    def init_post(self) -> None:
        """After every component is built: take the initial state it reads from others."""

    def step(self, month: int) -> None:
        """Run this behaviour for ``month``."""
        raise NotImplementedError


def month_plan(components: Sequence[Component], only: Sequence[str] | None = None) -> PhasePlan:
    """The month as the ordered steps of ``components`` (or of those named in ``only``).

    Raises:
        ValueError: ``only`` names a phase no component has, or leaves out one that a
            chosen component needs.
    """
    if only is not None:
        unknown = set(only) - {c.name for c in components}
        if unknown:
            raise ValueError(f"unknown phases {sorted(unknown)}")
        components = [c for c in components if c.name in only]
    chosen = {c.name for c in components}
    for c in components:
        missing = [name for name in c.needs if name not in chosen]
        if missing:
            raise ValueError(f"phase {c.name!r} needs the phases {missing}")
    return PhasePlan([Phase(c.name, c.step, c.doc) for c in components])


class WorkArrays:
    """Reusable work arrays, so the monthly loop does not allocate megabytes each month."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, size: int, dtype: type) -> np.ndarray:
        """A work array of ``size`` items (contents undefined)."""
        array = self._arrays.get(name)
        if array is None or array.size < size:
            array = np.empty(int(size * 1.25) + 16, dtype=dtype)
            self._arrays[name] = array
        return array[:size]
