"""Shocks of a scenario (``[[shocks]]``, :class:`~regsim.params.ShockParams`) as factors per year.

Each target is applied at one point of the model (docs/ODD.md section 7.12):

* ``budget``: :meth:`RegionalModel.allocate <regsim.model.simulation.RegionalModel.allocate>` scales
  the year's budget;
* ``remittances_per_migrant``: :func:`regsim.model.processes.incomes.remittance_per_migrant`;
* ``migrants_abroad``: :func:`regsim.model.processes.migration.compute` (extra returns, departures);
* ``output``: :func:`regsim.model.processes.labour.compute` (firm productivity, farm and mining output);
* ``prices``: :func:`regsim.model.processes.incomes.compute` (real incomes).

These functions read only parameters and arrays, so they sit low in the layers (no model state).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from regsim.params import Params


def national_factor(params: Params, target: str, year: int) -> float:
    """Product of ``1 + size`` over the shocks on ``target`` in ``year`` (national targets), ratio."""
    factor = 1.0
    for shock in params.shocks:
        if shock.target == target and year in shock.years:
            factor *= 1.0 + shock.size
    return factor


def regional_factor(params: Params, target: str, year: int, oblast_of: np.ndarray,
                    oblast_names: Sequence[str], sector: str | None = None) -> np.ndarray:
    """Per settlement, the product of ``1 + size`` over the shocks on ``target`` in ``year``, ratio, shape (S,).

    A shock without an oblast hits every settlement; an ``output`` shock without a sector hits
    every sector, one with a sector only that ``sector``.

    Args:
        params: Run parameters (their ``shocks``).
        target: ``"output"`` or ``"prices"``.
        year: Calendar year.
        oblast_of: Oblast index of each settlement, shape (S,).
        oblast_names: Oblast name of each index.
        sector: For output: ``"industry"``, ``"services"``, ``"farming"`` or ``"mining"``.
    """
    factor = np.ones(len(oblast_of))
    names = list(oblast_names)
    for shock in params.shocks:
        if shock.target != target or year not in shock.years:
            continue
        if shock.sector is not None and shock.sector != sector:
            continue
        hit = np.ones(len(oblast_of), bool) if shock.oblast is None else oblast_of == names.index(shock.oblast)
        factor = np.where(hit, factor * (1.0 + shock.size), factor)
    return factor


def abroad_rates(params: Params, year: int, return_rate: float) -> tuple[float, float]:
    """Return rate and the multiplier of departure probabilities in ``year`` under ``migrants_abroad`` shocks.

    A factor ``f = prod(1 + size)`` below 1 sends a share ``1 - f`` of the members abroad home on top of
    the usual returns (return rate ``1 - (1 - r) f``) and scales departures by ``f``; above 1 it
    scales departures only.

    Returns:
        ``(return rate per year, departure multiplier)``.
    """
    f = national_factor(params, "migrants_abroad", year)
    if f < 1.0:
        return 1.0 - (1.0 - return_rate) * f, f
    return return_rate, f
