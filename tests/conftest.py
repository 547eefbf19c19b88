"""Shared fixtures, and how pytest-xdist shares the tests between its workers."""

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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup`` (pyproject's addopts): a module's tests that share a module-scoped fixture
    (a comparison, a batch, a stepped model) run in one worker, so that the fixture is computed once; every
    other test goes to whichever worker is free. Without xdist the marks do nothing."""
    for item in items:
        fixtures = getattr(item, "_fixtureinfo", None)
        if fixtures is None:
            continue
        if any(d.scope == "module" for defs in fixtures.name2fixturedefs.values() for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
