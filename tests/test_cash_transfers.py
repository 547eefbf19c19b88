"""The people-based benchmark (issue 24): the budget paid as cash to poor households.

The benefit reaches the households a means test on last year's consumption selects, with the
observed exclusion (coverage) and inclusion (leakage) errors; every som absorbed is paid; it cuts
poverty against no regional budget on paired seeds; without coverage it pays no one twice.
"""

import numpy as np
import pytest
from helpers import small_params

from regsim.model.processes import incomes
from regsim.model.simulation import RegionalModel
from regsim.model.state import Channel


def _step_to(model, year):
    while model.state.year < year:
        model.step()


def test_benefit_goes_to_the_poor_with_the_given_leakage_and_every_som_is_paid(monkeypatch):
    params = small_params(policy__strategy="cash_transfers", policy__transfer_leakage_share=0.25,
                          policy__transfer_coverage=0.5, time__end_year=2020)
    seen = []
    original = incomes.cash_benefit

    def record(state, p, rng):
        returned = original(state, p, rng)
        paid = np.zeros(len(state.households.alive), np.float32) if returned is None else returned  # None: none paid
        inc = p.incomes
        consumption = incomes.consumption_per_person(state, inc.consumption_smoothing,
                                                     price=incomes.poverty_deflator(state, p))
        poor = (consumption < inc.poverty_line_som) & (state.households.present() > 0)
        weight = state.households.weight
        seen.append((float(state.ledger.absorbed[:, Channel.TRANSFERS].sum()),
                     float(paid.sum()) * weight, float(paid[poor].sum()) * weight,
                     float((paid[poor] > 0).sum() / max(poor.sum(), 1))))
        return returned

    monkeypatch.setattr(incomes, "cash_benefit", record)
    model = RegionalModel(params, seed=4)
    try:
        _step_to(model, 2020)
    finally:
        model.release()
    assert seen[0][0] == 0.0  # the base year pays nothing
    assert len(seen) == 4
    for absorbed, paid, to_poor, reached in seen[1:]:
        assert absorbed > 0
        assert paid == pytest.approx(absorbed, rel=1e-5)  # every som absorbed reaches a household
        assert to_poor / paid == pytest.approx(0.75, abs=0.05)  # 1 - leakage (a settlement with no poor: all)
        assert 0.35 < reached < 0.65  # coverage 0.5 of the poor households


def test_cash_transfers_cut_poverty_against_no_budget():
    years = range(2018, 2022)
    poor = {}
    for strategy in ("none", "cash_transfers"):
        model = RegionalModel(small_params(policy__strategy=strategy), seed=2)
        try:
            result = model.run()
        finally:
            model.release()
        poor[strategy] = np.array([result.value("poor_people", y) for y in years])
    assert (poor["cash_transfers"] < poor["none"]).sum() >= 3, poor
    assert poor["cash_transfers"].sum() < poor["none"].sum()
