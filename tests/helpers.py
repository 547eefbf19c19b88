"""Helpers shared by the tests: small, fast configurations of the real default world."""

from __future__ import annotations

import dataclasses

from regsim.model.simulation import RegionalModel
from regsim.params import Params, replace

SMALL_WEIGHT = 100  # household rows stand for 100 households: about 14,500 rows
SHORT_END = 2021


def small_params(**overrides: object) -> Params:
    """Default parameters at small scale and a short horizon, with ``section__name`` overrides."""
    params = replace(replace(Params(), "scale.household_weight", SMALL_WEIGHT), "time.end_year", SHORT_END)
    for key, value in overrides.items():
        params = replace(params, key.replace("__", "."), value)
    return params


def run_model(params: Params, seed: int = 1):
    """Run and release a model; return its result."""
    model = RegionalModel(params, seed=seed)
    try:
        return model.run()
    finally:
        model.release()


def with_strategy(params: Params, strategy: str) -> Params:
    return dataclasses.replace(params, policy=dataclasses.replace(params.policy, strategy=strategy))
