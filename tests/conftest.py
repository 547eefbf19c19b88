"""Shared fixtures."""

from __future__ import annotations

import pytest
from helpers import small_params

from regsim.model.simulation import cached_world
from regsim.params import Params


@pytest.fixture(scope="session", autouse=True)
def world():
    """Build the world once for the whole session."""
    return cached_world(Params().scale.world_seed, Params().world)


@pytest.fixture
def params() -> Params:
    return small_params()
