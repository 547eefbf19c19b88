"""An EMA Workbench model of regsim, for the Workbench's own samplers, evaluators and analyses.

::

    from ema_workbench import perform_experiments
    import regsim.ema

    model = regsim.ema.model(overrides={"time.end_year": 2030, "scale.household_weight": 20})
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=regsim.ema.strategies())

Uncertainties are the uncertain parameters of ``regsim sensitivity`` over their plausible ranges
(``regsim params``), the lever is ``policy.strategy``, and the outcomes are national metrics in the
last year (``regsim.metrics()`` gives their units). Every experiment is one ``regsim.run`` with the
sampled values as overrides and the seed ``seed`` (common random numbers: every policy and scenario
sees the same draws unless a ``seed`` uncertainty is added). ema-workbench is the ``search`` extra.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from regsim.errors import ArgumentError, RegsimError
from regsim.scenario import plain_value

OUTCOMES: Final = ("gdp_per_capita_som", "poverty_rate", "theil_between_oblasts", "gini_consumption")
INSTALL_HINT: Final = "pip install 'regsim[search]' (ema-workbench)"


def _workbench() -> Any:
    try:
        import ema_workbench
    except ImportError:
        raise RegsimError(f"regsim.ema needs the EMA Workbench: {INSTALL_HINT}") from None
    return ema_workbench


def simulate(*, seed: int = 1, scenario: str = "baseline", overrides: Mapping[str, Any] | None = None,
             outcomes: Iterable[str] = OUTCOMES, **values: Any) -> dict[str, float]:
    """One experiment: a regsim run with ``values`` (``section.name`` keys) over ``overrides``; last-year outcomes.

    Returns:
        ``{metric: value}`` for each national metric in ``outcomes``, in the last simulated year.
    """
    import regsim

    plain = {k: plain_value(v) for k, v in values.items()}
    integer_keys = _integer_keys(plain)
    for key in integer_keys:
        plain[key] = int(plain[key])
    result = regsim.run(scenario, seed=seed, overrides={**(overrides or {}), **plain})
    national = result.national
    last = national[national.year == national.year.max()].set_index("metric").value
    return {name: float(last[name]) for name in outcomes}


def _integer_keys(values: Mapping[str, Any]) -> list[str]:
    from regsim.params import describe

    kinds = {row["key"]: row for row in describe()}
    return [k for k, v in values.items() if k in kinds and isinstance(kinds[k]["default"], int)
            and not isinstance(kinds[k]["default"], bool) and isinstance(v, float)]


def model(name: str = "regsim", *, scenario: str = "baseline", uncertain: Iterable[str] | None = None,
          overrides: Mapping[str, Any] | None = None, outcomes: Iterable[str] = OUTCOMES,
          strategies: Iterable[str] | None = None, seed: int = 1) -> Any:
    """An ``ema_workbench.Model`` that runs regsim.

    Args:
        name: The model's name in the Workbench (a Python identifier).
        scenario: The regsim scenario every experiment starts from.
        uncertain: Parameter keys sampled as uncertainties over their plausible ranges (default the
            uncertain parameters of ``regsim sensitivity``).
        overrides: Fixed parameter overrides for every experiment (e.g. a shorter horizon).
        outcomes: National metrics reported (last year), as ``ScalarOutcome``.
        strategies: The values of the ``policy.strategy`` lever (default every strategy but ``custom``
            and ``hybrid``).
        seed: The run seed of every experiment.

    Raises:
        regsim.errors.RegsimError: if ema-workbench is missing or a key or metric is unknown (naming it).
    """
    wb = _workbench()
    from regsim.params import STRATEGIES, describe, plausible_ranges
    from regsim.studies.sensitivity import UNCERTAIN

    keys = list(UNCERTAIN if uncertain is None else uncertain)
    known = {row["key"]: row for row in describe()}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ArgumentError(f"uncertain=: unknown parameter {unknown[0]!r}; see regsim.load_scenario().params")
    chosen = list(strategies) if strategies is not None else [s for s in STRATEGIES if s not in ("custom", "hybrid")]
    bad = [s for s in chosen if s not in STRATEGIES]
    if bad:
        raise ArgumentError(f"strategies=: unknown {bad[0]!r}; allowed: {', '.join(STRATEGIES)}")
    outcome_names = list(outcomes)
    from regsim.api import metric_table

    national = set(metric_table().query("scope == 'national'").name)
    missing = [m for m in outcome_names if m not in national]
    if missing:
        raise ArgumentError(f"outcomes=: {missing[0]!r} is not a national metric; see regsim.metrics()")
    fixed = dict(overrides or {})

    def function(**values: Any) -> dict[str, float]:
        return simulate(seed=seed, scenario=scenario, overrides=fixed, outcomes=outcome_names, **values)

    result = wb.Model(name, function=function)
    uncertainties = []
    for key, (low, high) in plausible_ranges(keys).items():
        default = known[key]["default"]
        if isinstance(default, int) and not isinstance(default, bool):
            uncertainties.append(wb.IntegerParameter(key, int(low), int(high)))
        else:
            uncertainties.append(wb.RealParameter(key, low, high))
    result.uncertainties = uncertainties
    result.levers = [wb.CategoricalParameter("policy.strategy", chosen)]
    result.outcomes = [wb.ScalarOutcome(m) for m in outcome_names]
    return result


def strategies(names: Iterable[str] | None = None) -> list[Any]:
    """EMA ``Policy`` objects, one per strategy (for ``perform_experiments(..., policies=...)``)."""
    wb = _workbench()
    from regsim.params import STRATEGIES

    chosen = list(names) if names is not None else [s for s in STRATEGIES if s not in ("custom", "hybrid")]
    return [wb.Policy(name, **{"policy.strategy": name}) for name in chosen]
