"""Struct-of-arrays agent tables.

An :class:`AgentTable` keeps one preallocated numpy column per state variable, a ``count``
of rows in use and views up to it. An agent that dies or leaves is marked (``alive = 0``)
and keeps its row until :meth:`AgentTable.compact` drops dead rows. A table whose schema
has a ``uid`` column gives every new row a permanent id there (random streams key on it,
so compaction changes no draw); without one, rows are never compacted and the row index
is the id other tables reference. LASER's ``LaserFrame`` and Starsim's states are the
models for this design.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

import numpy as np
from numba import njit

T = TypeVar("T", bound=tuple)


@njit(cache=True)
def take_rows(column: np.ndarray, rows: np.ndarray, out: np.ndarray) -> None:
    """``out[i] = column[rows[i]]``: NumPy's ``column[rows]`` into an array given."""
    for i in range(rows.size):
        out[i] = column[rows[i]]


class AgentView:
    """A Mesa-style view of one row, for debugging and tests: ``table[i].skill``.

    Reading an attribute returns the current value; setting one writes the column.
    """

    __slots__ = ("_table", "unique_id")

    def __init__(self, table: AgentTable, row: int) -> None:
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "unique_id", row)

    def __getattr__(self, name: str) -> Any:
        table = object.__getattribute__(self, "_table")
        if name in table.columns:
            return table.columns[name][self.unique_id].item()
        raise AttributeError(f"{table.name} has no column {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        table = object.__getattribute__(self, "_table")
        if name not in table.columns:
            raise AttributeError(f"{table.name} has no column {name!r}")
        table.columns[name][self.unique_id] = value

    def as_dict(self) -> dict[str, Any]:
        """All columns of this row as a dictionary."""
        return {name: col[self.unique_id].item() for name, col in self._table.columns.items()}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"{self._table.name}[{self.unique_id}]({fields})"


class AgentTable:
    """A table of agents stored as columns.

    Args:
        name: the table's name, used in messages (``"people"``, ``"firms"``).
        schema: column name to ``(dtype, fill value)``; every table has an ``alive`` column.
        capacity: rows to preallocate.

    Columns are reached as attributes (``table.skill``) and give a view of the rows in use,
    ``[0, count)``. Growing past the capacity reallocates every column with room to spare,
    so views taken before :meth:`add` must be taken again after it. The spare rows are
    allocated but not written (so the memory they stand for is not touched until used);
    :meth:`add` fills each new row with the columns' fill values.
    """

    def __init__(
        self, name: str, schema: Mapping[str, tuple[Any, Any]], capacity: int = 1024
    ) -> None:
        if "alive" not in schema:
            schema = {"alive": (np.uint8, 0), **schema}
        self.name = name
        self.schema = dict(schema)
        self.count = 0
        self.next_uid = 0
        self.columns: dict[str, np.ndarray] = {
            col: np.empty(max(capacity, 1), dtype=dtype) for col, (dtype, _) in self.schema.items()
        }

    @property
    def capacity(self) -> int:
        """Rows allocated."""
        return len(self.columns["alive"])

    def add(self, n: int) -> slice:
        """Append ``n`` rows, filled with each column's fill value and marked alive.

        Returns:
            The slice of the new rows.
        """
        start = self.count
        if start + n > self.capacity:
            self._grow(start + n)
        self.count = start + n
        new = slice(start, start + n)
        for col, (_, fill) in self.schema.items():
            self.columns[col][new] = fill
        self.columns["alive"][new] = 1
        if "uid" in self.columns:
            self.columns["uid"][new] = np.arange(self.next_uid, self.next_uid + n)
            self.next_uid += n
        return new

    def append(self, n: int, **values: Any) -> slice:
        """Add ``n`` rows and set the given columns (arrays of length ``n``, or scalars).

        Returns:
            The slice of the new rows.
        """
        unknown = set(values) - set(self.columns)
        if unknown:
            raise KeyError(f"{self.name} has no columns {sorted(unknown)}")
        rows = self.add(n)
        for name, value in values.items():
            self.columns[name][rows] = value
        return rows

    def compact(self, order: np.ndarray | None = None) -> np.ndarray:
        """Drop dead rows; keep the live ones in their order, or sorted by ``order``.

        Only for tables with a ``uid`` column, whose rows nothing else references.

        Args:
            order: a sort key per row in use (``count`` values); the live rows are put in
                its ascending order, ties in their current order. Grouping rows that take
                the same branches of the kernels makes the branches predictable.

        Returns:
            The old row index of each row kept.
        """
        if "uid" not in self.columns:
            raise ValueError(f"{self.name} has no uid column: its row indices are its ids")
        keep = np.flatnonzero(self.columns["alive"][: self.count])
        if order is not None:
            keep = keep[np.argsort(order[keep], kind="stable")]
        # each column gathered into one scratch buffer, then copied back: NumPy's
        # ``col[keep]`` made a new array per column, whose first touch cost more than the
        # gather itself (0.09 s of a 1:1 compaction, against about 0.03 s)
        scratch = np.empty(keep.size * max(c.itemsize for c in self.columns.values()), np.uint8)
        for col in self.columns.values():
            gathered = scratch[: keep.size * col.itemsize].view(col.dtype)
            take_rows(col, keep, gathered)
            col[: keep.size] = gathered
            col[keep.size : self.count] = 0
        for col, (_, fill) in self.schema.items():
            self.columns[col][keep.size : self.count] = fill
        self.count = keep.size
        return keep

    def release(self) -> None:
        """Drop every row and the columns' memory, at once: the table is empty after.

        For a table whose owner is about to be dropped but may live on in reference cycles
        (a Mesa model and its agents) until the garbage collector's next full pass, which
        costs about 0.15 s in a process with the model's libraries loaded.
        """
        self.columns = {col: np.empty(0, dtype=dtype) for col, (dtype, _) in self.schema.items()}
        self.count = 0

    def copy(self) -> AgentTable:
        """An independent table with the same rows, capacity, uids and next uid."""
        twin = AgentTable(self.name, self.schema, capacity=self.capacity)
        for name, col in self.columns.items():
            twin.columns[name][: self.count] = col[: self.count]
        twin.count, twin.next_uid = self.count, self.next_uid
        return twin

    def reserve(self, capacity: int) -> None:
        """Make room for at least ``capacity`` rows without changing ``count``."""
        if capacity > self.capacity:
            self._grow(capacity)

    def _grow(self, needed: int) -> None:
        new_capacity = max(needed, int(self.capacity * 1.5) + 1)
        for col, (dtype, _) in self.schema.items():
            old = self.columns[col]
            grown = np.empty(new_capacity, dtype=dtype)
            grown[: self.count] = old[: self.count]
            self.columns[col] = grown

    def __getattr__(self, name: str) -> np.ndarray:
        columns = self.__dict__.get("columns")
        if columns is not None and name in columns:
            return columns[name][: self.__dict__["count"]]
        raise AttributeError(f"{type(self).__name__} {self.__dict__.get('name')!r} has no {name!r}")

    def view(self, columns: type[T]) -> T:
        """The rows in use of the columns named by a NamedTuple class, as that NamedTuple.

        Kernels take their columns this way: ``people.view(DemographyPeople)``.
        """
        return columns(**{name: self.columns[name][: self.count] for name in columns._fields})

    def full(self, name: str) -> np.ndarray:
        """The whole allocated column, for kernels that append rows themselves."""
        return self.columns[name]

    def __getitem__(self, row: int) -> AgentView:
        if not 0 <= row < self.count:
            raise IndexError(f"{self.name} has rows 0..{self.count - 1}, not {row}")
        return AgentView(self, row)

    def __iter__(self) -> Iterator[AgentView]:
        for row in np.flatnonzero(self.alive):
            yield AgentView(self, int(row))

    def __len__(self) -> int:
        """Number of live agents."""
        return int(np.count_nonzero(self.alive))

    @property
    def nbytes(self) -> int:
        """Bytes allocated by all columns."""
        return sum(col.nbytes for col in self.columns.values())

    def to_dict(self, live_only: bool = True) -> dict[str, np.ndarray]:
        """Copies of the columns (live rows only by default), for snapshots and tests."""
        mask = self.alive.astype(bool) if live_only else slice(None)
        return {name: col[: self.count][mask].copy() for name, col in self.columns.items()}
