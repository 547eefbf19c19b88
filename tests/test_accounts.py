"""National accounts close every year, in every strategy (issue 13: money that adds up).

GDP by production = compensation + mixed income + operating surplus (GDP by income), and the
operating surplus = distributed + retained + paid abroad (named uses), to a relative 1e-9; taxes
pay exactly for the government's spending and each has a payer (the taxes by base, the
consumption tax included, sum to the taxes); GDP by expenditure at basic prices (consumption net of
the consumption tax + investment + government + net exports, net exports from the external
account) equals GDP by production; households receive what the accounts give them.
"""

import numpy as np
import pytest
from helpers import small_params

from regsim.model.simulation import RegionalModel
from regsim.params import STRATEGIES

STRATEGIES_NO_CUSTOM = [s for s in STRATEGIES if s != "custom"]
REL = 1e-9


def _check_year(model) -> None:
    state = model.state
    a = state.accounts
    gdp = a.gdp_production_som
    assert gdp == pytest.approx(float(state.cols.output_som.sum()), rel=REL)
    income_side = a.compensation_som + a.mixed_income_som + a.operating_surplus_som
    assert income_side == pytest.approx(gdp, rel=REL)
    uses = a.surplus_distributed_som + a.surplus_retained_som + a.surplus_abroad_som
    assert uses == pytest.approx(a.operating_surplus_som, rel=REL)
    assert a.surplus_retained_som >= 0 and a.surplus_abroad_som >= 0
    # commuters bring their wages home: compensation by residence = the firms' wage bill
    assert a.compensation_by_residence_som.sum() == pytest.approx(a.compensation_som, rel=REL)
    assert a.household_primary_income_som == pytest.approx(
        a.compensation_som + a.mixed_income_som + a.surplus_distributed_som, rel=REL)
    spending = (a.transfers_som + a.public_investment_som + a.services_spending_som + a.upkeep_som
                + a.regional_tax_financed_som + a.other_spending_som)
    assert a.taxes_som == pytest.approx(spending, rel=REL)
    assert a.taxes_som == pytest.approx(a.tax_rate * gdp + a.tax_consumption_som, rel=REL)
    # every tax has a base and a payer: the taxes by base sum to the taxes
    by_base = (a.tax_labour_som + a.tax_mixed_som + a.tax_profits_distributed_som + a.tax_retained_som
               + a.tax_mining_som + a.tax_abroad_som + a.tax_consumption_som)
    assert by_base == pytest.approx(a.taxes_som, rel=REL)
    # the consumption tax is the base year's effective rate on what households spend at basic prices
    rate = state.base.consumption_tax_rate
    assert rate >= 0 and a.tax_consumption_som >= 0
    assert a.tax_consumption_som == pytest.approx(rate * a.consumption_som, rel=1e-5, abs=1e-6)
    # GDP by expenditure, with net exports from the external account (not a residual); the
    # consumption side sums float32 household rows, hence the looser tolerance
    expenditure = a.consumption_som + a.investment_som + a.government_som + a.net_exports_som
    assert expenditure == pytest.approx(gdp, rel=1e-5)
    assert a.consumption_som > 0 and a.investment_som > 0 and a.government_som > 0


def _households_receive_the_accounts(state, primary) -> None:
    """Right after incomes (before anyone moves or dies): survey ratio x after-tax primary income."""
    a = state.accounts
    hh = state.households
    n_s = state.n_settlements
    received = hh.per_settlement(hh.wage_som + hh.farm_som + hh.surplus_som, n_s)
    accounts_side = hh.per_settlement(primary.wage_som + primary.farm_som + primary.surplus_som, n_s)
    assert accounts_side.sum() == pytest.approx(a.household_primary_income_som, rel=1e-5)  # float32 rows
    # owners pay, out of their distributions, the tax their firms owe on retained surplus
    profit_tax = hh.per_settlement(primary.profit_tax_som, n_s)
    assert profit_tax.sum() == pytest.approx(a.tax_retained_som, rel=1e-5)
    expected = state.base.survey_ratio * ((1 - a.tax_rate) * accounts_side - profit_tax)
    np.testing.assert_allclose(received, expected, rtol=1e-5, atol=1.0)
    transfers = hh.per_settlement(hh.transfer_som, n_s).sum()
    assert transfers == pytest.approx(a.transfers_som + a.regional_transfers_som + a.regional_current_som, rel=1e-5)


@pytest.mark.parametrize("strategy", STRATEGIES_NO_CUSTOM)
@pytest.mark.parametrize("financing", ["taxes", "external"])
def test_accounts_close_every_year(strategy, financing, monkeypatch):
    from regsim.model.processes import incomes

    original = incomes.apply

    def apply_and_check(state, outcome):
        _, primary = incomes.primary_income(state, params)
        original(state, outcome)
        _households_receive_the_accounts(state, primary)

    monkeypatch.setattr(incomes, "apply", apply_and_check)
    params = small_params(policy__strategy=strategy, government__budget_financing=financing,
                          policy__budget_som_per_year=8e9, time__end_year=2021)
    model = RegionalModel(params, seed=3)
    try:
        _check_year(model)  # the 2017 base year
        while model.state.year < params.time.end_year:
            model.step()
            _check_year(model)
            a, ledger = model.state.accounts, model.state.ledger
            spent = float(ledger.absorbed.sum() + ledger.lost.sum())
            if financing == "taxes":
                assert a.regional_tax_financed_som == pytest.approx(spent, rel=REL, abs=1e-6)
            else:
                assert a.regional_tax_financed_som == 0.0
    finally:
        model.release()


def test_base_year_taxes_are_the_observed_share_and_no_budget_means_lower_taxes():
    params = small_params(time__end_year=2020)
    none = RegionalModel(small_params(policy__strategy="none", time__end_year=2020), seed=1)
    spend = RegionalModel(params, seed=1)
    try:
        base = none.state.accounts
        assert base.taxes_som == pytest.approx(params.government.tax_revenue_share_gdp * base.gdp_production_som,
                                               rel=1e-12)
        for model in (none, spend):
            while model.state.year < 2020:
                model.step()
        gdp = spend.state.accounts.gdp_production_som
        extra = spend.state.accounts.taxes_som - none.state.accounts.taxes_som
        # the regional money paid out this year is raised in taxes (plus upkeep of what it built)
        assert extra >= spend.state.accounts.regional_tax_financed_som - 0.02 * gdp * 0.01
        assert np.isfinite(extra)
    finally:
        none.release()
        spend.release()


def test_running_costs_are_paid_to_households_and_the_accounts_still_close(monkeypatch):
    """policy.current_share (issue 24 item 5) pays local staff and builds nothing; roads_share upgrades roads."""
    from regsim.model.processes import incomes

    original = incomes.apply

    def apply_and_check(state, outcome):
        _, primary = incomes.primary_income(state, params)
        original(state, outcome)
        _households_receive_the_accounts(state, primary)

    monkeypatch.setattr(incomes, "apply", apply_and_check)
    params = small_params(policy__strategy="concentrated_hinterland", policy__current_share=0.77,
                          policy__roads_share=0.2, time__end_year=2020)
    model = RegionalModel(params, seed=5)
    try:
        while model.state.year < params.time.end_year:
            model.step()
            _check_year(model)
            a, ledger = model.state.accounts, model.state.ledger
            # running costs are paid in full in their year (no execution lag): 0.77 of the net allocation
            net = ledger.allocated.sum() * (1 - params.policy.admin_loss_share)
            assert a.regional_current_som == pytest.approx(0.77 * net, rel=1e-6)
            assert ledger.returned.sum() > 0  # while capital lags
    finally:
        model.release()


@pytest.mark.parametrize("share", [0.0, 0.45, 0.6])
def test_the_consumption_tax_raises_its_share_of_2017_taxes_and_the_income_rate_balances_the_budget(share):
    """Issue 24 item 3: a consumption tax (VAT, sales tax) with payers, calibrated to the 2017 tax structure.

    In 2017 it raises ``government.consumption_tax_share`` of the taxes (the rest is the flat rate on
    primary incomes); its effective rate then stays fixed, so later the rate on primary incomes is what
    balances the budget, and the regional money raises it. Share 0: every tax falls on primary incomes.
    """
    params = small_params(government__consumption_tax_share=share, policy__strategy="concentrated",
                          policy__budget_som_per_year=8e9, time__end_year=2019)
    model = RegionalModel(params, seed=2)
    try:
        a = model.state.accounts
        assert a.tax_consumption_som == pytest.approx(share * a.taxes_som, rel=1e-9, abs=1e-6)
        assert a.tax_rate == pytest.approx((1 - share) * params.government.tax_revenue_share_gdp, rel=1e-9)
        rate = model.state.base.consumption_tax_rate
        assert (rate == 0.0) == (share == 0.0)
        while model.state.year < params.time.end_year:
            model.step()
            _check_year(model)  # taxes = rate x GDP + consumption tax = spending; C + I + G + NX = GDP
            assert model.state.base.consumption_tax_rate == rate  # the effective rate stays fixed
            a = model.state.accounts
            if share == 0.0:
                assert a.tax_consumption_som == 0.0
                assert a.tax_rate * a.gdp_production_som == pytest.approx(a.taxes_som, rel=1e-12)
    finally:
        model.release()
