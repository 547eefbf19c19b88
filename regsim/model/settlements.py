"""Settlements: Mesa agents for the nodes of the network; their numbers live in the state columns.

A :class:`Settlement` is a growth centre, a residual town node or a synthetic village cluster.
Its state (population, public capital, productivity, ...) is a row of ``state.cols`` (this year)
and ``state.base`` (the 2017 base year) of
:class:`regsim.model.state.State`, updated by vectorised processes; the agent decides what it can
absorb of the money it is given (its administrative capacity).
"""

from __future__ import annotations

import mesa


class Settlement(mesa.Agent):
    """One node of the network; ``sid`` indexes the settlement columns and the world table."""

    def __init__(self, model: mesa.Model, sid: int, name: str, kind: str, absorption_share: float) -> None:
        super().__init__(model)
        self.sid = sid
        self.name = name
        self.kind = kind
        self.absorption_share = absorption_share

    @property
    def output_som(self) -> float:
        """Output last year (firms, farms, mining), som."""
        return float(self.model.state.cols.output_som[self.sid])

    def absorption_capacity_som(self) -> float:
        """Money this settlement's administration can put to use this year, som.

        A share of its own annual output: centres and towns have more administrative capacity
        than ayil aimaks (Becker, Egger & von Ehrlich 2013: only places with enough human capital
        and institutions turn transfers into growth).
        """
        return self.absorption_share * self.output_som
