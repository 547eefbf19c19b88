"""The compiled kernels give, bit for bit, the numbers of the numpy/scipy code they replace.

Bit-identity is what keeps the golden baseline and the executors' results unchanged by a speed-up:
a per-settlement sum must add the same terms in the same order as the sparse product it replaced,
and the recorded metrics must equal their plain numpy definitions to the last bit.
"""

import numpy as np
import scipy.sparse as sp
from helpers import small_params
from hypothesis import given, settings
from hypothesis import strategies as st

from regsim.model import kernels, metrics
from regsim.model.processes.incomes import consumption_per_person, poverty_deflator
from regsim.model.simulation import RegionalModel


def _sparse_sum(settlement: np.ndarray, alive: np.ndarray, weight: float, n: int, values: np.ndarray) -> np.ndarray:
    """The sum the kernels replaced: a (settlements x rows) CSR matrix of ``weight`` at living rows, times values."""
    rows = np.flatnonzero(alive)
    members = sp.csr_matrix((np.full(len(rows), weight), (settlement[rows], rows)), shape=(n, len(alive)))
    return members @ np.asarray(values, dtype=np.float64)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(0, 3000), n=st.integers(1, 40),
       sorted_share=st.floats(0, 1), dtype=st.sampled_from([np.int16, np.float32, np.float64, np.bool_]))
def test_settlement_sums_equal_the_sparse_product_to_the_bit(seed, rows, n, sorted_share, dtype):
    """Mostly sorted or shuffled settlements, dead rows anywhere, any column dtype: the same float64 sums."""
    rng = np.random.default_rng(seed)
    settlement = np.sort(rng.integers(0, n, rows)).astype(np.intp)
    shuffled = rng.random(rows) > sorted_share
    settlement[shuffled] = rng.integers(0, n, int(shuffled.sum()))
    alive = rng.random(rows) < 0.9
    values = (rng.lognormal(8, 2, rows) * rng.choice([-1, 1], rows)).astype(dtype)
    weight = float(rng.integers(1, 50))
    expected = _sparse_sum(settlement, alive, weight, n, values)
    got = kernels.settlement_sums(settlement, alive, weight, n, values)
    np.testing.assert_array_equal(got, expected)


def test_recorded_building_blocks_equal_their_numpy_definitions():
    """One pass of the Recorder gives exactly the per-settlement sums, consumption and poverty of plain numpy."""
    params = small_params(policy__strategy="cash_transfers", time__end_year=2021)
    model = RegionalModel(params, seed=4)
    try:
        for _ in range(3):
            model.step()
        state, hh, n_s = model.state, model.state.households, model.world.n
        state.metric_cache = {}
        inc = params.incomes
        present = hh.present()
        for got, column in ((metrics.population(state), hh.size), (metrics.present(state), present),
                            (metrics.income_total(state), hh.income_som().astype(np.float64)),
                            (metrics.abroad(state), hh.abroad),
                            (metrics._unemployed(state)[1], hh.labour),
                            (metrics._unemployed(state)[1] - metrics._unemployed(state)[0], hh.employed + hh.farming)):
            np.testing.assert_array_equal(got, _sparse_sum(hh.settlement, hh.alive, float(hh.weight), n_s, column))
        income_pp = hh.income_per_person()
        mean = metrics._ratio(metrics.income_total(state), metrics.present(state))
        consumption = consumption_per_person(state, inc.consumption_smoothing, income_pp, present, mean,
                                             poverty_deflator(state, params))
        np.testing.assert_array_equal(metrics._consumption(state, params), consumption)
        for extreme, line in ((False, inc.poverty_line_som), (True, inc.extreme_poverty_line_som)):
            poor = np.where(consumption < line, present.astype(np.float64), 0.0)
            np.testing.assert_array_equal(metrics._poor(state, params, extreme),
                                          _sparse_sum(hh.settlement, hh.alive, float(hh.weight), n_s, poor))
        assert metrics._poor(state, params).sum() > 0
        gini = metrics.weighted_gini(consumption, present.astype(np.float64))
        assert metrics._gini_consumption(state, params) == gini
    finally:
        state.metric_cache = None
        model.release()


def test_gini_buckets_equal_bincount():
    """The compiled bucket sums are np.bincount's, in the same order (so the Gini keeps its last bit)."""
    rng = np.random.default_rng(8)
    v32 = np.concatenate([np.zeros(50), rng.lognormal(10, 1, 20_000)]).astype(np.float32)
    w = rng.integers(0, 9, len(v32)).astype(np.float64)
    bucket = np.right_shift(v32.view(np.uint32), metrics.GINI_BUCKET_SHIFT, dtype=np.intp)
    lowest = bucket[bucket > 0].min()
    bucket = np.maximum(bucket - (lowest - 1), 0)
    vw = v32.astype(np.float64) * w
    w_b, vw_b, got_vw = kernels.gini_buckets(v32, w, metrics.GINI_BUCKET_SHIFT)
    np.testing.assert_array_equal(w_b, np.bincount(bucket, weights=w))
    np.testing.assert_array_equal(vw_b, np.bincount(bucket, weights=vw))
    np.testing.assert_array_equal(got_vw, vw)


def test_income_sums_equal_their_numpy_definitions():
    """The sums incomes splits money by, after-tax income and the survey incomes: numpy's numbers, to the bit."""
    from regsim.model.processes import incomes

    params = small_params(time__end_year=2020)
    model = RegionalModel(params, seed=6)
    try:
        model.step()
        state, hh, n_s = model.state, model.state.households, model.world.n
        weight = float(hh.weight)

        def plain(column):
            return _sparse_sum(hh.settlement, hh.alive, weight, n_s, column)

        sums = incomes.RowSums.of(state)
        for got, column in ((sums.wage_key, hh.employed * hh.earning_skill()),
                            (sums.farm_key, hh.farming * hh.earning_skill()),
                            (sums.workers, hh.labour * hh.skill), (sums.labour, hh.labour),
                            (sums.present, hh.present()), (sums.abroad, hh.abroad)):
            np.testing.assert_array_equal(got, plain(column))
        _, primary = incomes.primary_income(state, params, sums)
        tax_rate = 0.1875
        np.testing.assert_array_equal(
            kernels.after_tax_sums(hh.settlement, hh.alive, weight, n_s, primary.wage_som, primary.farm_som,
                                   primary.surplus_som, primary.profit_tax_som, 1.0 - tax_rate),
            plain(primary.after_tax(tax_rate)))
        rate = np.random.default_rng(1).random(n_s) * 100
        for count in (hh.employed, hh.labour):
            np.testing.assert_array_equal(kernels.split_by_skill(hh.settlement, count, hh.skill, rate),
                                          (count * hh.skill * rate[hh.settlement]).astype(np.float32))
        # the survey incomes of incomes.compute, with regional money and a price shock, against numpy
        rng = np.random.default_rng(3)
        ratio = rng.uniform(0.5, 1.5, n_s).astype(np.float32)
        paid_a, paid_b = (rng.random((2, hh.capacity)) * 1000 * hh.alive).astype(np.float32)
        deflator = rng.uniform(0.8, 1.0, n_s).astype(np.float32)
        keep, transfer_pp, remittance_pm = np.float32(0.8), np.float32(3000.5), np.float32(41000.25)
        for in_ratio in (False, True):
            rows_ratio = ratio[hh.settlement]
            survey = rows_ratio * keep
            transfer = hh.present() * transfer_pp
            transfer += paid_a
            transfer += paid_b
            remittance = hh.abroad * remittance_pm
            if in_ratio:
                remittance = remittance * rows_ratio
            expected = [survey * primary.wage_som, survey * primary.farm_som,
                        survey * primary.surplus_som - rows_ratio * primary.profit_tax_som, transfer, remittance]
            expected = [source * deflator[hh.settlement] for source in expected]
            got = kernels.survey_incomes(hh.settlement, hh.alive, weight, n_s, hh.size, hh.abroad, ratio, keep,
                                         transfer_pp, remittance_pm, in_ratio, primary.wage_som, primary.farm_som,
                                         primary.surplus_som, primary.profit_tax_som, paid_a, paid_b, deflator)
            for got_source, source in zip(got[:5], expected, strict=True):
                np.testing.assert_array_equal(got_source, source)
            total = expected[0].astype(np.float64) + expected[1] + expected[2] + expected[3] + expected[4]
            np.testing.assert_array_equal(got[5], plain(total))
        assert sums.wage_key.sum() > 0 and primary.profit_tax_som.sum() > 0
    finally:
        model.release()


def test_migration_kernels_equal_their_numpy_definitions():
    """Returns, departures and their sums, and the shifted destination CDF: numpy's numbers, to the bit."""
    from regsim.model.processes import migration

    params = small_params(time__end_year=2020)
    model = RegionalModel(params, seed=7)
    try:
        model.step()
        state, hh, n_s = model.state, model.state.households, model.world.n
        rng = np.random.default_rng(11)
        u_return, u_leave = rng.random((2, hh.capacity), dtype=np.float32)
        p_leave = rng.random(n_s) * 0.3
        hh.abroad[hh.alive] = rng.integers(0, 3, int(hh.alive.sum()))
        hh.abroad[:] = np.minimum(hh.abroad, hh.size - 1) * hh.alive
        returning, leaving = migration.leave_and_return(hh.abroad, hh.labour, p_leave.astype(np.float32)[hh.settlement],
                                                        0.3, u_return, u_leave)
        abroad, left, back = kernels.abroad_flows(hh.settlement, hh.alive, float(hh.weight), n_s, hh.abroad, hh.labour,
                                                  p_leave.astype(np.float32), np.float32(0.3), u_return, u_leave)
        np.testing.assert_array_equal(abroad, hh.abroad - returning + leaving)
        np.testing.assert_array_equal(left, _sparse_sum(hh.settlement, hh.alive, float(hh.weight), n_s, leaving))
        np.testing.assert_array_equal(back, _sparse_sum(hh.settlement, hh.alive, float(hh.weight), n_s, returning))
        assert leaving.sum() > 0 and returning.sum() > 0
        cumulative = np.cumsum(migration.destination_weights(state, params), axis=1)
        cumulative /= cumulative[:, -1:]
        attract = migration.attraction(state, params)
        np.testing.assert_array_equal(kernels.shifted_cdf(state.move_kernel, np.exp(attract - attract.max())),
                                      (cumulative + np.arange(n_s)[:, None]).ravel())
    finally:
        model.release()


def test_capping_the_labour_columns_in_place_equals_numpy():
    rng = np.random.default_rng(2)
    size = rng.integers(0, 9, 5000).astype(np.int16)
    abroad = np.minimum(rng.integers(0, 3, 5000), size).astype(np.int16)
    labour, employed, farming = (rng.integers(0, 7, (3, 5000))).astype(np.int16)
    expected_labour = np.minimum(labour, size - abroad)
    expected_employed = np.minimum(employed, expected_labour)
    expected_farming = np.minimum(farming, expected_labour - expected_employed)
    kernels.cap_labour(size, abroad, labour, employed, farming)
    for got, expected in ((labour, expected_labour), (employed, expected_employed), (farming, expected_farming)):
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == np.int16


def test_vital_events_and_splits_equal_their_numpy_definitions():
    """Births, deaths, emigration, the household counts and the splitting rows: numpy's numbers, to the bit."""
    params = small_params(time__end_year=2020)
    model = RegionalModel(params, seed=9)
    try:
        model.step()
        hh, n_s = model.state.households, model.world.n
        rng = np.random.default_rng(5)
        u_birth, u_death, u_emigrate, u_split = rng.random((4, hh.capacity), dtype=np.float32)
        birth_rate, death_rate, emigration, min_present, max_size = 0.03, 0.006, 0.01, 3, 9
        # the numpy definition demography.compute used before the kernel
        size = hh.size.astype(np.int32)
        births = np.floor(size * np.float32(birth_rate) + u_birth).astype(np.int32)
        deaths = np.floor(size * np.float32(death_rate) + u_death).astype(np.int32)
        deaths = np.minimum(deaths, size - hh.abroad - (hh.abroad > 0))
        new_size = (size + births - deaths).astype(np.int16)
        emigrating = hh.alive & (u_emigrate < emigration) & (new_size > 0)
        staying = hh.alive & ~emigrating & (new_size > 0)
        present = np.where(staying, new_size - hh.abroad, 0)
        candidate = present >= min_present
        got_size, got_emigrating, sums = kernels.vital_events(
            hh.settlement, hh.alive, float(hh.weight), n_s, hh.size, hh.abroad, float(np.float32(birth_rate)),
            float(np.float32(death_rate)), np.float32(emigration), min_present, u_birth, u_death, u_emigrate)
        np.testing.assert_array_equal(got_size, new_size)
        np.testing.assert_array_equal(got_emigrating, emigrating)
        for got, column in zip(sums, (births, deaths, np.where(emigrating, new_size, 0), np.where(staying, new_size, 0),
                                      staying, candidate), strict=True):
            np.testing.assert_array_equal(got, _sparse_sum(hh.settlement, hh.alive, float(hh.weight), n_s, column))
        chance = rng.random(n_s).astype(np.float32) * 0.2
        too_big = staying & (present >= 2) & (new_size > max_size)
        expected = (candidate & (u_split < chance[hh.settlement])) | too_big
        np.testing.assert_array_equal(kernels.splitting_rows(hh.alive, hh.settlement, new_size, hh.abroad, emigrating,
                                                             chance, min_present, max_size, u_split), expected)
        assert births.sum() > 0 and emigrating.any() and expected.any()
    finally:
        model.release()


def test_labour_force_equals_its_numpy_definition():
    rng = np.random.default_rng(12)
    size = rng.integers(0, 12, 20_000).astype(np.int16)
    abroad = np.minimum(rng.integers(0, 3, 20_000), size).astype(np.int16)
    u_labour = rng.random(20_000, dtype=np.float32)
    for first, other in ((1.0, 0.45), (0.8, 0.6), (0.3, -0.1)):
        present = size - abroad
        expected = np.where(present > 0, first + other * (present - 1), 0.0)
        labour = np.clip(np.floor(expected + u_labour).astype(np.int16), 0, present).astype(np.int16)
        got = kernels.labour_force(size, abroad, u_labour, first, other)
        np.testing.assert_array_equal(got, labour)
        assert got.dtype == np.int16
