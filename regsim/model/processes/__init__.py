"""The yearly mechanisms, one module each, run by ``RegionalModel.step`` in ODD order.

Every process module has ``STREAM`` (the name of its random stream), a pure ``compute(state,
params, rng, *inputs) -> outcome`` that only reads, and ``apply(state, outcome)``, the only place
that writes (production's returns the firm turnover, for the model's Mesa agents). So no agent
changes what another reads later in the same phase.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from regsim.model.state import State
from regsim.params import Params


class Process(Protocol):
    """What ``RegionalModel.run_process`` needs of a process module."""

    STREAM: str

    def compute(self, state: State, params: Params, rng: np.random.Generator, *inputs: Any) -> Any:
        """Read the state and return an outcome."""
        ...

    def apply(self, state: State, outcome: Any) -> Any:
        """Write the outcome into the state; return None, or what the model must mirror (production)."""
        ...
