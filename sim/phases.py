"""One month as an explicit, ordered, timed plan of phases (Starsim's ``Loop`` is the model)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Phase:
    """A named step of the monthly loop.

    Attributes:
        name: short name (``"labour"``), also the name of its random stream.
        run: the callable run once a month with the month index.
        doc: one line saying what the phase does.
    """

    name: str
    run: Callable[[int], None]
    doc: str = ""


@dataclass
class PhasePlan:
    """The ordered phases of one month, with cumulative wall-clock time per phase."""

    phases: list[Phase]
    seconds: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [p.name for p in self.phases]
        if len(set(names)) != len(names):
            raise ValueError(f"phase names must be unique: {names}")
        self.seconds = dict.fromkeys(names, 0.0)

    @property
    def names(self) -> list[str]:
        """Phase names in the order they run."""
        return [p.name for p in self.phases]

    def run(self, month: int) -> None:
        """Run every phase once, in order, for ``month``."""
        for phase in self.phases:
            start = time.perf_counter()
            phase.run(month)
            self.seconds[phase.name] += time.perf_counter() - start

    def describe(self) -> str:
        """The plan as text: one line per phase."""
        return "\n".join(f"{i + 1}. {p.name}: {p.doc}" for i, p in enumerate(self.phases))
