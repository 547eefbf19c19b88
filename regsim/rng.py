"""Randomness: one seed per run, an independent named stream per (mechanism, year).

Every mechanism draws from its own generator, keyed by the run seed, the mechanism's name and the
calendar year. Extra draws in one mechanism therefore shift nothing in another, and every strategy
sees the same draws (common random numbers), so differences between strategies are policy, not
noise. Nothing here touches the global ``random`` or ``numpy.random`` state.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

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


def variables(rng: np.random.Generator, names: Sequence[str], n: int,
              dtype: type[np.floating] = np.float64) -> list[np.ndarray]:
    """``n`` uniforms in [0, 1) for each named variable, each from its own stream.

    The stream of variable ``name`` is keyed by ``rng``'s own key (run seed, mechanism, year) and the
    name, so it does not depend on what ``rng`` or any other variable has drawn. A variable's first
    ``k`` draws are therefore the same whatever ``n`` is (PCG64 yields one sequence): when one
    strategy's household table has grown to more rows than another's, the rows both have still see
    the same draws of every variable (common random numbers). One ``rng.random((len(names), n))``
    would shift the second and later variables' draws by the capacity.

    Args:
        rng: The mechanism's generator (from :func:`stream` or ``numpy.random.default_rng``).
        names: Variable names, e.g. ``("u_job", "u_farm")``.
        n: Draws per variable (e.g. the household table's capacity).
        dtype: ``numpy.float32`` or ``numpy.float64``.

    Returns:
        One array of shape ``(n,)`` per name, in the order given.
    """
    seq = rng.bit_generator.seed_seq
    if not isinstance(seq, np.random.SeedSequence):
        raise TypeError("variables: the generator was not seeded through a numpy SeedSequence")
    out = []
    for name in names:
        key = (*seq.spawn_key, zlib.crc32(name.encode()))
        child = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seq.entropy, spawn_key=key)))
        out.append(child.random(int(n), dtype=dtype))
    return out


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


# --- inverse-CDF draws ---------------------------------------------------------------------------
# Draws by inverse CDF from uniforms keep paired runs close: the same uniform gives the same or a
# neighbouring count under two strategies. scipy.stats' ppf methods do the same but cost 50-800 us
# per call in argument handling and root finding; these vectorised versions return the same values
# (tests/test_rng.py compares them with scipy).

def poisson_quantile(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Smallest ``k`` with Poisson(``lam``) CDF(k) >= ``u``, elementwise (``scipy.stats.poisson.ppf``).

    Sums the probabilities term by term; each pass works only on the elements whose count is
    still rising (each element's terms are its own, so the values do not depend on the others).
    """
    u = np.asarray(u, dtype=np.float64)
    lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), u.shape)
    k = np.zeros(u.shape, np.int64)
    term = np.exp(-lam).ravel()
    cdf = term.copy()
    u_flat, lam_flat, k_flat = u.ravel(), lam.ravel(), k.reshape(-1)
    rising = np.flatnonzero(u_flat > cdf)
    u_flat, lam_flat, term, cdf = u_flat[rising], lam_flat[rising], term[rising], cdf[rising]
    limit = int(np.max(lam, initial=0.0) + 40 * np.sqrt(np.max(lam, initial=0.0)) + 50)
    i = 0
    while len(rising) and i < limit:
        i += 1
        term = term * lam_flat / i
        cdf = cdf + term
        k_flat[rising] += 1
        keep = u_flat > cdf
        rising, u_flat, lam_flat, term, cdf = rising[keep], u_flat[keep], lam_flat[keep], term[keep], cdf[keep]
    return k


def geometric_quantile(u: np.ndarray, p: float) -> np.ndarray:
    """Trials until the first success with probability ``p`` (>= 1), at quantile ``u`` (``geom.ppf``)."""
    u = np.asarray(u, dtype=np.float64)
    if p >= 1.0:
        return np.ones(u.shape)
    trials = np.ceil(np.log1p(-u) / np.log1p(-p))
    # one step back where rounding overshot (as scipy does): CDF(trials - 1) already reaches u
    overshoot = (-np.expm1(np.log1p(-p) * (trials - 1)) >= u) & (trials > 0)
    return np.maximum(np.where(overshoot, trials - 1, trials), 1.0)


def lognormal_quantile(u: np.ndarray, sigma: float, scale: float) -> np.ndarray:
    """Log-normal with log s.d. ``sigma`` and median ``scale`` at quantile ``u`` (``lognorm.ppf``)."""
    from scipy.special import ndtri

    return scale * np.exp(sigma * ndtri(np.asarray(u, dtype=np.float64)))
