"""Codes shared by the Turin model's tables and kernels: zones, statuses, sectors, modes.

Zones and columns are named once, here. Arrays "by zone" have :data:`N_ZONES` entries: the
comuni ``0 .. N_COMUNI - 1`` in the order of ``models/data/comuni.csv``, then one more
entry, whose meaning depends on the array and has its own name:

* :data:`OUTSIDE`: in a person's or cell's ``zone``, flows and tallies by home zone, the
  zone of people who live outside the 38 comuni (in-commuters, outside students);
* :data:`METRO`: in a hook (:mod:`models.hooks`), the entry that metro-wide hooks are
  read at; people of the outside zone read it too, so they see the metro-wide hooks'
  values and the neutral value of every hook targeted at comuni;
* :data:`METRO_COLUMN`: in an indicator array, the column of the metro area (the 38
  comuni together).

In result tables the metro area's rows have ``comune`` = :data:`METRO_LABEL` (``"metro"``).

The three share one index, :data:`N_COMUNI`, because each array needs only one of them.
"""

from __future__ import annotations

# Zones.
N_COMUNI = 38
"""The comuni of the conurbation (Torino and its 37 neighbours)."""
OUTSIDE = N_COMUNI
"""Zone of people and cells outside the 38 comuni."""
N_ZONES = N_COMUNI + 1
"""Entries of an array by zone: the comuni and the outside zone."""
METRO = N_COMUNI
"""The entry of a hook that metro-wide hooks are read at."""
METRO_COLUMN = N_COMUNI
"""The column of the metro area in an indicator array ``(indicator, N_ZONES)``."""
METRO_LABEL = "metro"
"""The ``comune`` of the metro area's rows in result tables (indicators, batch stores)."""

# People's status.
CHILD, STUDENT, EMPLOYED, UNEMPLOYED, INACTIVE, RETIRED = 0, 1, 2, 3, 4, 5
STATUS_NAMES = ("child", "student", "employed", "unemployed", "inactive", "retired")

# Education level.
LOW_EDUCATION, UPPER_SECONDARY, TERTIARY = 0, 1, 2

# Firm sectors (ATECO 2007 sections grouped).
MANUFACTURING, CONSTRUCTION, TRADE, HOSPITALITY, KNOWLEDGE, OTHER_SERVICES = range(6)
SECTOR_NAMES = (
    "manufacturing",  # C, with B D E
    "construction",  # F
    "trade",  # G, H (trade, transport, logistics)
    "hospitality",  # I (accommodation and food)
    "knowledge",  # J K M (ICT, finance, professional and scientific)
    "other_services",  # L N P Q R S
)
N_SECTORS = 6

# Commuting modes; -1 means "no trip" or "to be chosen".
NO_MODE, CAR, TRANSIT, ACTIVE = -1, 0, 1, 2
MODE_NAMES = ("car", "transit", "bike_walk")
N_MODES = 3
