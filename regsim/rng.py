"""Randomness: one seed per run, an independent named stream per (mechanism, year).

Every mechanism draws from its own generator, keyed by the run seed, the mechanism's name and the
calendar year. Extra draws in one mechanism therefore shift nothing in another, and every strategy
sees the same draws (common random numbers), so differences between strategies are policy, not
noise. Nothing here touches the global ``random`` or ``numpy.random`` state.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, mechanism: str, year: int) -> np.random.Generator:
    """Generator for one mechanism in one year, independent of every other (mechanism, year).

    Args:
        seed: The run seed (non-negative integer).
        mechanism: Name of the mechanism, e.g. ``"migration"``.
        year: Calendar year (or any integer index, e.g. 0 for the world build).

    Returns:
        A fresh ``numpy.random.Generator``.
    """
    key = (zlib.crc32(mechanism.encode()), int(year))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))


def replication_seeds(base_seed: int, n: int) -> list[int]:
    """Seeds of ``n`` replications derived from one experiment seed.

    Replication ``k`` gets the same seed in every cell of a design (common random numbers).

    Args:
        base_seed: The experiment seed.
        n: Number of replications.

    Returns:
        ``n`` seeds in [0, 2**32).
    """
    children = np.random.SeedSequence(int(base_seed)).spawn(int(n))
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]
