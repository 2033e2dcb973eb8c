"""Every counter-based random draw of the Turin model, named and placed in one table.

A kernel's random number is ``uniform(key, agent, draw)`` (:mod:`sim.random`): the key
names the stream (a phase and a month), the agent is a person's ``uid`` or a firm's row,
and the draw number says what the number is for. Each stream's draw numbers are declared
here, once, in :data:`DRAWS`, which refuses two blocks that share a number; each kernel
receives its stream's layout as a small NamedTuple (``HOUSING_DRAWS`` ...), so that no
kernel writes a draw number by hand. ``tests/test_draws.py`` checks that the blocks do not
overlap, that a block of candidates holds as many draws as its parameter's valid bounds
allow, and that no kernel calls a draw function with a literal number.

The places are those the kernels have always used, so the results are unchanged; gaps
are free numbers. A block that had to grow past its neighbour continues in an overflow
block after the others (the housing stream's candidate homes beyond the 18th).
"""

from __future__ import annotations

from typing import NamedTuple

from sim.random import DrawRegistry

DRAWS = DrawRegistry()
"""The registry of every stream's draws."""

MAX_JOB_CANDIDATES = 30
"""Vacancies a matched job seeker may compare (the bound of ``job_choice_candidates``)."""
MAX_MOVE_CANDIDATES = 50
"""Candidate homes a mover may compare (the bound of ``move_candidates``)."""
STUDENT_KIND_STREAM = "student-kind"
"""The stream of who is a late student: its key has no month, so a person's kind is fixed."""
OUTSIDE_HIRE_ATTEMPTS = 16
"""Tries to find an open vacancy for one hire from outside."""


class DemographyDraws(NamedTuple):
    """Stream ``demography``, per person (``uid``)."""

    death_or_departure: int
    birth: int


class EducationDraws(NamedTuple):
    """Stream ``education``, per person (``uid``); ``late_student`` is stream ``student-kind``.

    The ``student-kind`` key has no month: its one draw per person is the same number every
    month, so a person's kind (regular or late student) never changes.
    """

    early_leaving: int
    enrolment: int
    labour_entry: int
    graduation: int
    dropout: int
    retirement: int
    reentry: int
    labour_exit: int
    late_student: int


class FirmDraws(NamedTuple):
    """Stream ``firms``, per firm (its row: the firm table is never compacted)."""

    exit: int
    growth_shock: int
    innovation_change: int
    university_link: int


class LabourDraws(NamedTuple):
    """Stream ``labour``, per person (``uid``): separations, then matching."""

    separation: int
    matched: int
    vacancy_candidate: int
    wage_noise: int
    vacancy_taste: int


class OutsideHireDraws(NamedTuple):
    """Stream ``outside-hires``, per hire of the month (0, 1, ...)."""

    vacancy_attempt: int


class CommutingDraws(NamedTuple):
    """Stream ``commuting``, per person (``uid``)."""

    mode_review: int
    taste_car: int
    taste_transit: int
    taste_active: int


class HousingDraws(NamedTuple):
    """Stream ``housing``, per person (``uid``).

    Candidate home ``c`` (1, 2, ...) draws ``candidate + c - 1`` while ``c`` is at most
    ``candidate_count``, and ``candidate_overflow + c - candidate_count - 1`` beyond; the
    taste shock of option ``c`` (0 = staying) draws ``taste + c``.
    """

    move: int
    candidate: int
    candidate_count: int
    taste: int
    candidate_overflow: int


_R = DRAWS.reserve

DEMOGRAPHY_DRAWS = DemographyDraws(
    death_or_departure=_R("demography", "death or departure", 0),
    birth=_R("demography", "birth", 1),
)
EDUCATION_DRAWS = EducationDraws(
    early_leaving=_R("education", "early school leaving", 0),
    enrolment=_R("education", "university enrolment", 1),
    labour_entry=_R("education", "entry into the labour force", 2),
    graduation=_R("education", "graduation", 3),
    dropout=_R("education", "dropout", 4),
    retirement=_R("education", "retirement", 5),
    reentry=_R("education", "re-entry of the inactive", 6),
    labour_exit=_R("education", "exit from the labour force", 7),
    late_student=_R(STUDENT_KIND_STREAM, "late student (once a person, no month)", 0),
)
FIRM_DRAWS = FirmDraws(
    exit=_R("firms", "exit", 0),
    growth_shock=_R("firms", "yearly growth shock (Laplace)", 1),
    innovation_change=_R("firms", "becoming or ceasing to be innovative", 2),
    university_link=_R("firms", "new university link", 3),
)
LABOUR_DRAWS = LabourDraws(
    separation=_R("labour", "separation", 0),
    matched=_R("labour", "job seeker matched this month", 1),
    vacancy_candidate=_R("labour", "vacancies compared", 2, MAX_JOB_CANDIDATES),
    wage_noise=_R("labour", "wage of the new job (normal)", 35, uniforms_per_draw=2),
    vacancy_taste=_R("labour", "taste shocks over the vacancies (Gumbel)", 40, MAX_JOB_CANDIDATES),
)
OUTSIDE_HIRE_DRAWS = OutsideHireDraws(
    vacancy_attempt=_R("outside-hires", "vacancy tried", 0, OUTSIDE_HIRE_ATTEMPTS),
)
COMMUTING_DRAWS = CommutingDraws(
    mode_review=_R("commuting", "mode review", 0),
    taste_car=_R("commuting", "taste shock for the car (Gumbel)", 1),
    taste_transit=_R("commuting", "taste shock for transit (Gumbel)", 2),
    taste_active=_R("commuting", "taste shock for bike or walk (Gumbel)", 3),
)
_MOVE_CANDIDATES_BEFORE_TASTES = 18
HOUSING_DRAWS = HousingDraws(
    move=_R("housing", "considering a move", 0),
    candidate=_R("housing", "candidate homes 1-18", 2, _MOVE_CANDIDATES_BEFORE_TASTES),
    candidate_count=_MOVE_CANDIDATES_BEFORE_TASTES,
    taste=_R("housing", "taste shocks over the options (Gumbel)", 20, MAX_MOVE_CANDIDATES + 1),
    candidate_overflow=_R(
        "housing",
        "candidate homes beyond the 18th",
        21 + MAX_MOVE_CANDIDATES,
        MAX_MOVE_CANDIDATES - _MOVE_CANDIDATES_BEFORE_TASTES,
    ),
)
