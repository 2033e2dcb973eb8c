"""Random streams: one :class:`numpy.random.SeedSequence` per run, one stream per phase.

Two kinds of draws are offered, both derived only from the run's seed and names:

* :func:`phase_generator` gives a :class:`numpy.random.Generator` for a named phase and
  month, for the few draws made in Python (how many firms are born this month).
* :func:`phase_key` gives a 64-bit key for a named phase and month; numba kernels turn it
  into uniform numbers per agent with :func:`uniform`, a counter-based generator
  (SplitMix64 finaliser over ``key, agent id, draw``; the id is the agent's permanent
  ``uid``). A draw depends on who draws and
  what for, not on the order of the loop, so two scenarios with the same seed share the
  random numbers of every agent whose path agrees (common random numbers), and a kernel
  may be parallelised without changing its results.

No module-level generator exists and nothing calls ``np.random.seed``.

Every non-uniform number is built from uniform ones with :mod:`sim.fpmath`, so it has the
same bits on every CPU: the counter-based draws here, and the Generator's draws through
:func:`normal_array`, :func:`exponential_array` and :func:`geometric_array` instead of
NumPy's samplers (whose ziggurat tails and inversions call the C library's ``exp`` and
``log``, which differ in the last bit between hosts).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from numba import njit, uint64

from sim import fpmath
from sim.fpmath import scalar as fm

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _name_word(name: str) -> int:
    """A stable 32-bit word for a phase name (CRC32, identical on every machine)."""
    return zlib.crc32(name.encode("utf-8"))


def phase_seed_sequence(seed: int, name: str, month: int | None = None) -> np.random.SeedSequence:
    """The seed sequence of one phase (and month) of a run.

    Args:
        seed: the run's seed (non-negative integer).
        name: the phase's name.
        month: the month index, or ``None`` for draws made once (initialisation).
    """
    spawn_key = (_name_word(name),) if month is None else (_name_word(name), int(month))
    return np.random.SeedSequence(int(seed), spawn_key=spawn_key)


T = TypeVar("T")


class _RecentSeeds(Generic[T]):
    """Values computed from ``(seed, name, month)``, kept for the ``seeds`` latest seeds.

    The runs of a batch that share a seed ask for the same keys and generators (about
    1,450 a run over 2015-2025, each 12-25 µs to hash into a seed sequence); a worker
    keeps those of the last two seeds it ran, so its memory does not grow with its runs.
    """

    def __init__(self, compute: Callable[[int, str, int | None], T], seeds: int = 2) -> None:
        self._compute = compute
        self._seeds = seeds
        self._tables: dict[int, dict[tuple[str, int | None], T]] = {}

    def __call__(self, seed: int, name: str, month: int | None) -> T:
        seed, month = int(seed), None if month is None else int(month)
        table = self._tables.pop(seed, None)
        if table is None:
            table = {}
        self._tables[seed] = table  # the latest seed last
        while len(self._tables) > self._seeds:
            del self._tables[next(iter(self._tables))]
        value = table.get((name, month))
        if value is None:
            value = table[(name, month)] = self._compute(seed, name, month)
        return value


_shared_seed_sequence = _RecentSeeds(phase_seed_sequence)
"""Seed sequences shared by the generators made from them: never handed out, and a
generator only reads its seed sequence's state (nothing here spawns from one)."""


def phase_generator(seed: int, name: str, month: int | None = None) -> np.random.Generator:
    """A :class:`numpy.random.Generator` for one phase (and month) of a run."""
    return np.random.Generator(np.random.PCG64(_shared_seed_sequence(seed, name, month)))


def _new_phase_key(seed: int, name: str, month: int | None) -> np.uint64:
    state = _shared_seed_sequence(seed, name, month).generate_state(2, dtype=np.uint32)
    return np.uint64((int(state[0]) << 32) | int(state[1]))


_phase_keys = _RecentSeeds(_new_phase_key)


def phase_key(seed: int, name: str, month: int | None = None) -> np.uint64:
    """A 64-bit key for the counter-based draws of one phase (and month) of a run."""
    return _phase_keys(seed, name, month)


def poisson_count(rng: np.random.Generator, mean: float) -> int:
    """A Poisson count drawn by inversion from one uniform number.

    NumPy's Poisson sampler spends a varying number of draws and, for means of 10 or more,
    does not give a larger count for a larger mean from the same stream; inversion does
    both: the stream always advances by one draw, and a scenario whose mean is higher
    gets a count at least as high (common random numbers).
    """
    u = rng.random()
    if not mean > 0.0:
        return 0
    return int(poisson_inverse(u, float(mean)))


def normal_array(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` standard normal numbers (Box-Muller over ``2 * size`` uniforms, in order)."""
    u = rng.random((2, size))
    return np.sqrt(-2.0 * fpmath.log(1.0 - u[0])) * fpmath.cos_turns(u[1])


def exponential_array(rng: np.random.Generator, size: int, scale: float = 1.0) -> np.ndarray:
    """``size`` exponential numbers of mean ``scale`` (inversion of one uniform each)."""
    return -scale * fpmath.log(1.0 - rng.random(size))


def geometric_array(rng: np.random.Generator, p: float, size: int) -> np.ndarray:
    """``size`` geometric counts of trials to the first success (1, 2, ...), int64.

    Inversion of one uniform each: ``1 + floor(log(1 - u) / log(1 - p))``.
    """
    u = rng.random(size)
    if p >= 1.0:
        return np.ones(size, dtype=np.int64)
    return 1 + np.floor(fpmath.log(1.0 - u) / fpmath.log(1.0 - p)).astype(np.int64)


@njit(cache=True)
def poisson_inverse(u: float, mean: float) -> int:
    """The smallest k with P(K <= k) > u for K ~ Poisson(mean): the Poisson quantile.

    The probabilities are built outwards from the mode relative to its own (so no term
    underflows, whatever the mean) over the mode ± 40 standard deviations, beyond which the
    mass is below 1e-300.
    """
    if mean <= 0.0:
        return 0
    mode = int(mean)
    width = int(40.0 * np.sqrt(mean)) + 50
    low = max(0, mode - width)
    high = mode + width
    rel = np.empty(high - low + 1)
    rel[mode - low] = 1.0
    for k in range(mode, low, -1):
        rel[k - 1 - low] = rel[k - low] * k / mean
    for k in range(mode, high):
        rel[k + 1 - low] = rel[k - low] * mean / (k + 1)
    target = u * rel.sum()
    cumulative = 0.0
    for j in range(rel.size):
        cumulative += rel[j]
        if cumulative > target:
            return low + j
    return high


@njit(cache=True, inline="always")
def mix64(z: uint64) -> uint64:
    """SplitMix64 finaliser: a bijective, well-mixing hash of a 64-bit word."""
    z = (z ^ (z >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint64(27))) * uint64(0x94D049BB133111EB)
    return z ^ (z >> uint64(31))


@njit(cache=True, inline="always")
def uniform(key: uint64, agent: int, draw: int) -> float:
    """A uniform number in [0, 1) for one agent's ``draw``-th draw under ``key``.

    Args:
        key: the phase key (:func:`phase_key`).
        agent: the agent's permanent id (its ``uid``, or its row in a table never compacted).
        draw: which draw of this agent in this phase (0, 1, ...).
    """
    z = mix64(key ^ mix64(uint64(agent) * uint64(0x9E3779B97F4A7C15) + uint64(draw)))
    return float(z >> uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def standard_normal(key: uint64, agent: int, draw: int) -> float:
    """A standard normal number (Box-Muller over draws ``2*draw`` and ``2*draw+1``)."""
    u1 = uniform(key, agent, 2 * draw)
    u2 = uniform(key, agent, 2 * draw + 1)
    return np.sqrt(-2.0 * fm.log(1.0 - u1)) * fm.cos_turns(u2)


@njit(cache=True, inline="always")
def laplace(key: uint64, agent: int, draw: int, scale: float) -> float:
    """A Laplace (tent-shaped) number with mean 0 and the given scale."""
    u = uniform(key, agent, draw) - 0.5
    if u < 0.0:
        return scale * fm.log(1.0 + 2.0 * u)
    return -scale * fm.log(1.0 - 2.0 * u)


@njit(cache=True, inline="always")
def gumbel(key: uint64, agent: int, draw: int) -> float:
    """A standard Gumbel number, for logit choices (argmax of utility plus Gumbel)."""
    u = uniform(key, agent, draw)
    return -fm.log(-fm.log(u + 1e-300) + 1e-300)


@dataclass(frozen=True)
class DrawBlock:
    """A named range of counter-based draw numbers of one stream.

    Attributes:
        stream: the random stream (the phase name given to :func:`phase_key`).
        name: what the draws are for.
        first: the first draw number (argument ``draw`` of :func:`uniform`) of the block.
        count: how many draws the block holds (one per candidate, per attempt, ...).
        uniforms_per_draw: uniform numbers each draw consumes: 1 for :func:`uniform`,
            :func:`gumbel` and :func:`laplace`; 2 for :func:`standard_normal`, whose draw
            ``d`` reads the uniforms ``2d`` and ``2d + 1``.
    """

    stream: str
    name: str
    first: int
    count: int = 1
    uniforms_per_draw: int = 1

    @property
    def uniforms(self) -> range:
        """The uniform counters the block uses."""
        start = self.first * self.uniforms_per_draw
        return range(start, start + self.count * self.uniforms_per_draw)


class DrawRegistry:
    """Every counter-based draw of a model, by stream, checked never to be used twice.

    A kernel draws ``uniform(key, agent, draw)``; two uses of one ``(stream, draw)`` for the
    same agent in the same month would give them the same number. Blocks are declared
    here with their place; :meth:`reserve` refuses a block whose uniform counters overlap
    one already declared for the stream.
    """

    def __init__(self) -> None:
        self._blocks: list[DrawBlock] = []

    def reserve(
        self, stream: str, name: str, first: int, count: int = 1, uniforms_per_draw: int = 1
    ) -> int:
        """Declare a block and return its first draw number.

        Raises:
            ValueError: the block is empty, negative, or overlaps another of the stream.
        """
        if count < 1 or first < 0 or uniforms_per_draw not in (1, 2):
            raise ValueError(f"draw block {stream}/{name}: bad place {first}+{count}")
        block = DrawBlock(stream, name, first, count, uniforms_per_draw)
        for other in self.blocks(stream):
            if set(other.uniforms) & set(block.uniforms):
                raise ValueError(
                    f"draw block {stream}/{name} (uniforms {block.uniforms.start}-"
                    f"{block.uniforms.stop - 1}) overlaps {other.name} (uniforms "
                    f"{other.uniforms.start}-{other.uniforms.stop - 1})"
                )
        self._blocks.append(block)
        return first

    def blocks(self, stream: str | None = None) -> list[DrawBlock]:
        """The blocks declared (of one stream, or all), in declaration order."""
        return [b for b in self._blocks if stream is None or b.stream == stream]

    def block(self, stream: str, name: str) -> DrawBlock:
        """One block by stream and name."""
        for b in self._blocks:
            if b.stream == stream and b.name == name:
                return b
        raise KeyError(f"no draw block {stream}/{name}")

    def overlaps(self) -> list[tuple[DrawBlock, DrawBlock]]:
        """Pairs of blocks of one stream sharing a uniform counter (empty when sound)."""
        pairs = []
        for i, a in enumerate(self._blocks):
            for b in self._blocks[i + 1 :]:
                if a.stream == b.stream and set(a.uniforms) & set(b.uniforms):
                    pairs.append((a, b))
        return pairs
