"""Spread that is paid for: firms' intermediate demand for farm products within reach (issue 13, item 4)."""

import numpy as np
from helpers import small_params
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from regsim.model.processes import productivity
from regsim.model.simulation import RegionalModel

N = 6
positive = arrays(np.float64, N, elements=st.floats(0.0, 1e9))


@settings(max_examples=50, deadline=None)
@given(firms=positive, industry_share=st.floats(0.0, 1.0), farms=positive, decay=st.floats(1.0, 200.0))
@example(firms=np.ones(N), industry_share=0.0, farms=np.full(N, 2.22507386e-311), decay=1.0)  # subnormal: overflowed
def test_local_sales_never_exceed_output_nor_demand(firms, industry_share, farms, decay):
    params = small_params()
    km = np.abs(np.subtract.outer(np.arange(N), np.arange(N))) * 30.0
    kernel = np.exp(-km / decay)
    industry = firms * industry_share
    sales = productivity.local_farm_sales(firms, industry, farms, kernel, params)
    econ = params.economy
    demand = econ.farm_input_share_industry * industry + econ.farm_input_share_services * (firms - industry)
    assert (sales >= 0).all() and (sales <= farms + 1e-6).all()
    assert sales.sum() <= demand.sum() * (1 + 1e-9) + 1e-6


def test_more_industry_nearby_raises_the_farm_gate_price_and_base_year_is_one():
    params = small_params()
    model = RegionalModel(params, seed=1)
    try:
        state = model.state
        cols, base = state.cols, state.base
        quantity = cols.farm_output_som
        sales = productivity.local_farm_sales(cols.firm_output_som, cols.industry_output_som, quantity,
                                              state.spread_kernel, params)
        price = productivity.farm_price_index(sales, quantity, base.farm_local_share, params)
        farms = quantity > 0
        np.testing.assert_allclose(price[farms], 1.0, rtol=0.05)  # the base year (labour market rounding)
        more = productivity.local_farm_sales(cols.firm_output_som * 2, cols.industry_output_som * 2, quantity,
                                             state.spread_kernel, params)
        higher = productivity.farm_price_index(more, quantity, base.farm_local_share, params)
        assert (higher[farms] >= price[farms] - 1e-12).all() and (higher[farms] > price[farms]).any()
    finally:
        model.release()
