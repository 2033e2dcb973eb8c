"""Codes shared by the Turin model's tables and kernels (people's statuses, sectors, modes)."""

from __future__ import annotations

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
