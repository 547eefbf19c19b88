"""Compiled loops over the household table (Numba), where numpy would need several passes.

Every per-settlement sum of a per-row quantity goes through :func:`settlement_sums`: ONE pass over
the rows in row order, skipping dead rows, accumulating ``weight x value`` (float64) in a register
while consecutive rows share a settlement (rows are mostly ordered by settlement). Each
settlement's sum therefore takes exactly the additions, in exactly the order, of the sparse
product with the settlement x row membership matrix that it replaces (``csr_matvec``: per
settlement, from 0.0, ``weight x value`` of its living rows in ascending row order), so results
are bit for bit the same, and no membership index has to be rebuilt after households move.
Several columns in one pass cost about as much as one (the additions of different columns do not
wait for each other), so each process has one fused kernel that computes its per-row values
inline and sums what it needs, instead of a numpy temporary and a sum per quantity.

Compiled once per machine and cached on disk (``cache=True``: ``__pycache__`` next to this file,
or Numba's per-user cache where that is not writable); a fresh process loads them in milliseconds.
No fast-math: IEEE order and rounding as in numpy, so every executor computes the same numbers.
"""

from __future__ import annotations

import numba
import numpy as np

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


@numba.njit(**_JIT)
def settlement_sums(settlement: np.ndarray, alive: np.ndarray, weight: float, n: int,
                    values: np.ndarray) -> np.ndarray:
    """``out[s] = sum over living rows r of settlement s of weight * values[r]`` (float64), shape (n,)."""
    out = np.zeros(n)
    current = -1
    acc = 0.0
    for r in range(settlement.shape[0]):
        if not alive[r]:
            continue
        s = settlement[r]
        if s != current:
            if current >= 0:
                out[current] = acc
            current = s
            acc = out[s]
        acc += weight * np.float64(values[r])
    if current >= 0:
        out[current] = acc
    return out


@numba.njit(**_JIT)
def household_sums(settlement: np.ndarray, alive: np.ndarray, weight: float, n: int, size: np.ndarray,
                   abroad: np.ndarray, labour: np.ndarray, employed: np.ndarray, farming: np.ndarray,
                   wage: np.ndarray, farm: np.ndarray, surplus: np.ndarray, transfer: np.ndarray,
                   remittance: np.ndarray) -> np.ndarray:
    """The recorded per-settlement sums of the household table in one pass, shape (6, n), persons and som.

    Rows: residents (``size``), members at home (``size - abroad``), income (the five sources
    summed in float32 in the order of ``Households.income_som``), members abroad, labour force,
    working (``employed + farming``). Each the same sum as ``Households.per_settlement`` of it.
    """
    out = np.zeros((6, n))
    current = -1
    a0 = a1 = a2 = a3 = a4 = a5 = 0.0
    for r in range(settlement.shape[0]):
        if not alive[r]:
            continue
        s = settlement[r]
        if s != current:
            if current >= 0:
                out[0, current] = a0
                out[1, current] = a1
                out[2, current] = a2
                out[3, current] = a3
                out[4, current] = a4
                out[5, current] = a5
            current = s
            a0 = out[0, s]
            a1 = out[1, s]
            a2 = out[2, s]
            a3 = out[3, s]
            a4 = out[4, s]
            a5 = out[5, s]
        income = wage[r] + farm[r] + surplus[r] + transfer[r] + remittance[r]  # float32, left to right
        a0 += weight * np.float64(size[r])
        a1 += weight * np.float64(size[r] - abroad[r])
        a2 += weight * np.float64(income)
        a3 += weight * np.float64(abroad[r])
        a4 += weight * np.float64(labour[r])
        a5 += weight * np.float64(employed[r] + farming[r])
    if current >= 0:
        out[0, current] = a0
        out[1, current] = a1
        out[2, current] = a2
        out[3, current] = a3
        out[4, current] = a4
        out[5, current] = a5
    return out


@numba.njit(**_JIT)
def consumption_poverty(settlement: np.ndarray, alive: np.ndarray, weight: float, n: int, size: np.ndarray,
                        abroad: np.ndarray, wage: np.ndarray, farm: np.ndarray, surplus: np.ndarray,
                        transfer: np.ndarray, remittance: np.ndarray, own_share: np.float32,
                        shared: np.ndarray, price: np.ndarray, line: np.float32,
                        extreme_line: np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Consumption per person at home per row (float32) and persons at home below two lines per settlement.

    ``consumption = (own_share x income per person at home + shared[settlement]) / price[settlement]``
    in float32, as ``incomes.consumption_per_person`` computes it (``shared``: the smoothing share
    times the settlement's mean, float32; ``price`` empty: no deflation), 0 where nobody is at
    home. Returns the consumption, shape (rows,), and the persons at home below ``line`` and
    below ``extreme_line`` per settlement (as ``Households.per_settlement``), shape (2, n).
    """
    rows = settlement.shape[0]
    consumption = np.zeros(rows, dtype=np.float32)
    poor = np.zeros((2, n))
    deflate = price.shape[0] > 0
    current = -1
    acc_poor = 0.0
    acc_extreme = 0.0
    for r in range(rows):
        present = size[r] - abroad[r]
        if present <= 0:  # dead rows too (they hold zeros): consumption 0, nobody to count
            continue
        income = wage[r] + farm[r] + surplus[r] + transfer[r] + remittance[r]
        c = own_share * (income / np.float32(present))
        s = settlement[r]
        c += shared[s]
        if deflate:
            c /= price[s]
        consumption[r] = c
        if not alive[r]:
            continue
        if s != current:
            if current >= 0:
                poor[0, current] = acc_poor
                poor[1, current] = acc_extreme
            current = s
            acc_poor = poor[0, s]
            acc_extreme = poor[1, s]
        people = weight * np.float64(present)
        # add 0.0 where not poor: the same sum as adding only the poor (it never holds -0.0), no branch
        acc_poor += people if c < line else 0.0
        acc_extreme += people if c < extreme_line else 0.0
    if current >= 0:
        poor[0, current] = acc_poor
        poor[1, current] = acc_extreme
    return consumption, poor


@numba.njit(**_JIT)
def gini_buckets(v32: np.ndarray, w: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-bucket sums of weight and of weight x value for ``metrics.weighted_gini``, and ``value x weight`` per row.

    ``v32``: non-negative float32 values (no -0.0); a value's bucket is its bit pattern shifted
    right by ``shift``, renumbered 1, 2, ... from the lowest non-zero bucket; zeros are bucket 0.
    The sums run in row order, as ``np.bincount`` does.
    """
    return _buckets(v32, w, shift)


@numba.njit(**_JIT)
def gini_buckets_at_home(consumption: np.ndarray, size: np.ndarray, abroad: np.ndarray,
                         shift: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`gini_buckets` of ``max(consumption, 0)`` (float32, +0.0 for zero) weighted by the members at home.

    The same numbers as ``weighted_gini(consumption, (size - abroad).astype(float64))`` passes on,
    without the two temporaries (for any consumption that is not NaN).
    """
    rows = consumption.shape[0]
    v32 = np.empty(rows, dtype=np.float32)
    w = np.empty(rows)
    for r in range(rows):
        c = consumption[r]
        v32[r] = c if c > 0 else np.float32(0.0)
        w[r] = np.float64(size[r] - abroad[r])
    return _buckets(v32, w, shift)


@numba.njit(**_JIT)
def _buckets(v32: np.ndarray, w: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = v32.shape[0]
    bits = v32.view(np.uint32)
    lowest = np.iinfo(np.int64).max
    highest = 0
    for r in range(rows):
        b = np.int64(bits[r] >> shift)
        if b > 0:
            if b < lowest:
                lowest = b
            if b > highest:
                highest = b
    n_buckets = 1 if highest == 0 else highest - lowest + 2
    w_b = np.zeros(n_buckets)
    vw_b = np.zeros(n_buckets)
    vw = np.empty(rows)
    for r in range(rows):
        b = np.int64(bits[r] >> shift)
        bucket = 0 if b == 0 else b - lowest + 1
        x = np.float64(v32[r]) * w[r]
        vw[r] = x
        w_b[bucket] += w[r]
        vw_b[bucket] += x
    return w_b, vw_b, vw


@numba.njit(**_JIT)
def income_keys(settlement: np.ndarray, alive: np.ndarray, weight: float, n: int, employed: np.ndarray,
                farming: np.ndarray, labour: np.ndarray, size: np.ndarray, abroad: np.ndarray,
                skill: np.ndarray, earning: np.ndarray) -> np.ndarray:
    """The per-settlement sums incomes splits money by, in one pass, shape (6, n).

    Rows: ``employed x earning``, ``farming x earning``, ``labour x skill`` (each a float32 product,
    as numpy forms it from the int16 count and the float32 multiplier; ``earning`` is
    ``skill x efficiency``), labour force, members at home, members abroad. Each the same sum as
    ``Households.per_settlement`` of it.
    """
    out = np.zeros((6, n))
    current = -1
    a0 = a1 = a2 = a3 = a4 = a5 = 0.0
    for r in range(settlement.shape[0]):
        if not alive[r]:
            continue
        s = settlement[r]
        if s != current:
            if current >= 0:
                out[0, current] = a0
                out[1, current] = a1
                out[2, current] = a2
                out[3, current] = a3
                out[4, current] = a4
                out[5, current] = a5
            current = s
            a0 = out[0, s]
            a1 = out[1, s]
            a2 = out[2, s]
            a3 = out[3, s]
            a4 = out[4, s]
            a5 = out[5, s]
        k = skill[r]
        e = earning[r]
        a0 += weight * np.float64(np.float32(employed[r]) * e)
        a1 += weight * np.float64(np.float32(farming[r]) * e)
        a2 += weight * np.float64(np.float32(labour[r]) * k)
        a3 += weight * np.float64(labour[r])
        a4 += weight * np.float64(size[r] - abroad[r])
        a5 += weight * np.float64(abroad[r])
    if current >= 0:
        out[0, current] = a0
        out[1, current] = a1
        out[2, current] = a2
        out[3, current] = a3
        out[4, current] = a4
        out[5, current] = a5
    return out


@numba.njit(**_JIT)
def after_tax_sums(settlement: np.ndarray, alive: np.ndarray, weight: float, n: int, wage: np.ndarray,
                   farm: np.ndarray, surplus: np.ndarray, profit_tax: np.ndarray, keep: float) -> np.ndarray:
    """Per-settlement sums of ``(wage + farm + surplus) x keep - profit_tax`` (float64, left to right), (n,)."""
    out = np.zeros(n)
    current = -1
    acc = 0.0
    for r in range(settlement.shape[0]):
        if not alive[r]:
            continue
        s = settlement[r]
        if s != current:
            if current >= 0:
                out[current] = acc
            current = s
            acc = out[s]
        gross = np.float64(wage[r]) + np.float64(farm[r]) + np.float64(surplus[r])
        acc += weight * (gross * keep - np.float64(profit_tax[r]))
    if current >= 0:
        out[current] = acc
    return out


@numba.njit(**_JIT)
def cap_labour(size: np.ndarray, abroad: np.ndarray, labour: np.ndarray, employed: np.ndarray,
               farming: np.ndarray) -> None:
    """Cap the labour columns in place, per row (``Households.keep_consistent``).

    The labour force at most the members at home, the employed at most the labour force, farming
    at most the labour force not employed.
    """
    for r in range(size.shape[0]):
        at_home = size[r] - abroad[r]
        lab = min(labour[r], at_home)
        emp = min(employed[r], lab)
        labour[r] = lab
        employed[r] = emp
        farming[r] = min(farming[r], lab - emp)


@numba.njit(**_JIT)
def abroad_flows(settlement: np.ndarray, alive: np.ndarray, weight: float, n: int, abroad: np.ndarray,
                 labour: np.ndarray, p_leave: np.ndarray, return_rate: np.float32, u_return: np.ndarray,
                 u_leave: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members abroad after this year's returns and departures per row, and both flows per settlement.

    As ``migration.leave_and_return`` in float32: ``floor(abroad x return_rate + u_return)`` members
    return (at most all of them), one leaves where the labour force is two or more and ``u_leave <
    p_leave[settlement]``. Returns the new members abroad (int16, per row) and the persons leaving
    and returning per settlement (as ``Households.per_settlement``), shape (n,) each.
    """
    rows = settlement.shape[0]
    new_abroad = np.empty(rows, dtype=np.int16)
    left = np.zeros(n)
    back = np.zeros(n)
    current = -1
    acc_left = 0.0
    acc_back = 0.0
    for r in range(rows):
        away = np.float32(abroad[r])
        back_now = np.floor(away * return_rate + u_return[r])  # a whole number in float32
        returning = back_now if back_now < away else away
        s = settlement[r]
        leaving = np.int16((labour[r] >= 2) & (u_leave[r] < p_leave[s]))  # no short-circuit: no branch
        new_abroad[r] = away - returning + leaving
        if not alive[r]:
            continue
        if s != current:
            if current >= 0:
                left[current] = acc_left
                back[current] = acc_back
            current = s
            acc_left = left[s]
            acc_back = back[s]
        acc_left += weight * np.float64(leaving)
        acc_back += weight * np.float64(returning)
    if current >= 0:
        left[current] = acc_left
        back[current] = acc_back
    return new_abroad, left, back


@numba.njit(**_JIT)
def shifted_cdf(kernel: np.ndarray, attraction: np.ndarray) -> np.ndarray:
    """Row ``o``'s cumulative destination probabilities plus ``o``, flattened, shape (S * S,).

    Weights ``kernel[o, j] x attraction[j]`` (``migration.destination_weights``), summed left to right
    along each row (as ``np.cumsum(axis=1)``), divided by the row's total, plus the origin's number:
    increasing over the whole array, so one ``np.searchsorted`` finds every mover's destination.
    """
    n = kernel.shape[0]
    flat = np.empty(n * n)
    for o in range(n):
        acc = 0.0
        base = o * n
        for j in range(n):
            acc += kernel[o, j] * attraction[j]
            flat[base + j] = acc
        total = flat[base + n - 1]
        shift = np.float64(o)
        for j in range(n):
            flat[base + j] = flat[base + j] / total + shift
    return flat


@numba.njit(**_JIT)
def assign_work(settlement: np.ndarray, alive: np.ndarray, weight: float, n: int, labour: np.ndarray,
                employment_rate: np.ndarray, to_farm: np.ndarray, u_job: np.ndarray,
                u_farm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members in wage jobs and farming per row, and farmers per settlement, in one pass.

    As ``labour.compute`` in float32: ``employed = min(labour, floor(labour x employment_rate[s] +
    u_job))``, ``farming = min(rest, floor(rest x to_farm[s] + u_farm))`` with ``rest = labour -
    employed``; the rates float32 per settlement. Returns employed and farming (int16, per row)
    and farmers per settlement (as ``Households.per_settlement``), shape (n,).
    """
    rows = settlement.shape[0]
    employed = np.empty(rows, dtype=np.int16)
    farming = np.empty(rows, dtype=np.int16)
    farmers = np.zeros(n)
    current = -1
    acc = 0.0
    for r in range(rows):
        s = settlement[r]
        # whole numbers in float32 (exact), converted once on store: an integer conversion of each
        # floor costs four times as much
        lab = np.float32(labour[r])
        hired = np.floor(lab * employment_rate[s] + u_job[r])
        emp = hired if hired < lab else lab
        rest = lab - emp
        farms = np.floor(rest * to_farm[s] + u_farm[r])
        farm = farms if farms < rest else rest
        employed[r] = emp
        farming[r] = farm
        if not alive[r]:
            continue
        if s != current:
            if current >= 0:
                farmers[current] = acc
            current = s
            acc = farmers[s]
        acc += weight * np.float64(farm)
    if current >= 0:
        farmers[current] = acc
    return employed, farming, farmers


@numba.njit(**_JIT)
def vital_events(settlement: np.ndarray, alive: np.ndarray, weight: float, n: int, size: np.ndarray,
                 abroad: np.ndarray, birth_rate: float, death_rate: float, emigration_rate: np.float32,
                 min_present: int, u_birth: np.ndarray, u_death: np.ndarray,
                 u_emigrate: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Births, deaths and emigration per row, and the sums demography needs per settlement, in one pass.

    As ``demography.compute`` with numpy's types: ``floor(size x rate + u)`` in float64 (the rates
    are the float32 values numpy multiplies by), deaths at most the members at home less one
    where some are abroad; a household emigrates when ``u_emigrate < emigration_rate`` (float32)
    and it still has members. Returns the new sizes (int16), the emigrating rows, and per
    settlement (as ``Households.per_settlement``), shape (6, n): births, deaths, emigrants,
    residents of the staying households, staying households, and staying households with at least
    ``min_present`` members at home (candidates to split).
    """
    rows = settlement.shape[0]
    new_size = np.empty(rows, dtype=np.int16)
    emigrating = np.zeros(rows, dtype=np.bool_)
    out = np.zeros((6, n))
    current = -1
    a0 = a1 = a2 = a3 = a4 = a5 = 0.0
    for r in range(rows):
        members = np.int64(size[r])
        away = np.int64(abroad[r])
        born = np.int64(np.floor(np.float64(members) * birth_rate + np.float64(u_birth[r])))
        died = np.int64(np.floor(np.float64(members) * death_rate + np.float64(u_death[r])))
        keep_home = members - away - (1 if away > 0 else 0)
        died = died if died < keep_home else keep_home
        now = np.int16(members + born - died)
        new_size[r] = now
        leaves = alive[r] & (u_emigrate[r] < emigration_rate) & (now > 0)
        emigrating[r] = leaves
        if not alive[r]:
            continue
        staying = (not leaves) & (now > 0)
        at_home = now - away if staying else 0
        s = settlement[r]
        if s != current:
            if current >= 0:
                out[0, current] = a0
                out[1, current] = a1
                out[2, current] = a2
                out[3, current] = a3
                out[4, current] = a4
                out[5, current] = a5
            current = s
            a0 = out[0, s]
            a1 = out[1, s]
            a2 = out[2, s]
            a3 = out[3, s]
            a4 = out[4, s]
            a5 = out[5, s]
        a0 += weight * np.float64(born)
        a1 += weight * np.float64(died)
        a2 += weight * np.float64(now if leaves else 0)
        a3 += weight * np.float64(now if staying else 0)
        a4 += weight * np.float64(1 if staying else 0)
        a5 += weight * np.float64(1 if at_home >= min_present else 0)
    if current >= 0:
        out[0, current] = a0
        out[1, current] = a1
        out[2, current] = a2
        out[3, current] = a3
        out[4, current] = a4
        out[5, current] = a5
    return new_size, emigrating, out


@numba.njit(**_JIT)
def splitting_rows(alive: np.ndarray, settlement: np.ndarray, size: np.ndarray, abroad: np.ndarray,
                   emigrating: np.ndarray, chance: np.ndarray, min_present: int, max_size: int,
                   u_split: np.ndarray) -> np.ndarray:
    """Rows that split this year (``demography.household_formation``), bool per row.

    A candidate (staying, ``min_present`` or more members at home) whose draw is below its
    settlement's ``chance`` (float32), or a staying household over ``max_size`` with two or more
    at home.
    """
    rows = settlement.shape[0]
    split = np.zeros(rows, dtype=np.bool_)
    for r in range(rows):
        staying = alive[r] & (not emigrating[r]) & (size[r] > 0)
        at_home = np.int64(size[r]) - np.int64(abroad[r]) if staying else 0
        candidate = at_home >= min_present
        too_big = staying & (at_home >= 2) & (size[r] > max_size)
        split[r] = (candidate & (u_split[r] < chance[settlement[r]])) | too_big
    return split


@numba.njit(**_JIT)
def split_by_skill(settlement: np.ndarray, count: np.ndarray, skill: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """``count x skill x rate[settlement]`` per row as float32, som (``incomes._shares`` for a key count x skill).

    The key is the float32 product of the int16 count and the float32 skill, times the float64 rate
    per unit of key, rounded to float32: numpy's ``(count * skill * rate[settlement]).astype(float32)``.
    """
    rows = settlement.shape[0]
    out = np.empty(rows, dtype=np.float32)
    for r in range(rows):
        key = np.float32(count[r]) * skill[r]
        out[r] = np.float32(np.float64(key) * rate[settlement[r]])
    return out


@numba.njit(**_JIT)
def survey_incomes(settlement: np.ndarray, alive: np.ndarray, weight: float, n: int, size: np.ndarray,
                   abroad: np.ndarray, ratio: np.ndarray, keep: np.float32, transfer_pp: np.float32,
                   remittance_pm: np.float32, remittances_in_ratio: bool, wage: np.ndarray, farm: np.ndarray,
                   surplus: np.ndarray, profit_tax: np.ndarray, paid_a: np.ndarray, paid_b: np.ndarray,
                   deflator: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                  np.ndarray]:
    """Household income by source as the survey records it, per row (float32), and income per settlement.

    As ``incomes.compute`` in float32: ``survey = ratio[s] x keep`` (``keep`` = 1 - tax rate);
    wage and farm income are ``survey`` times primary income, surplus ``survey x surplus - ratio[s]
    x profit tax``; transfers ``members at home x transfer_pp`` plus ``paid_a`` and ``paid_b``
    (regional money; empty: none); remittances ``abroad x remittance_pm`` (times ``ratio[s]`` if
    ``remittances_in_ratio``); each source times ``deflator[s]`` where given (a price shock; empty:
    none). Income per settlement is the five sources added left to right in float64, summed as
    ``Households.per_settlement``.
    """
    rows = settlement.shape[0]
    w_out = np.empty(rows, dtype=np.float32)
    f_out = np.empty(rows, dtype=np.float32)
    s_out = np.empty(rows, dtype=np.float32)
    t_out = np.empty(rows, dtype=np.float32)
    r_out = np.empty(rows, dtype=np.float32)
    income = np.zeros(n)
    extra_a = paid_a.shape[0] > 0
    extra_b = paid_b.shape[0] > 0
    deflate = deflator.shape[0] > 0
    current = -1
    acc = 0.0
    for r in range(rows):
        s = settlement[r]
        rat = ratio[s]
        survey = rat * keep
        wg = survey * wage[r]
        fm = survey * farm[r]
        sp = survey * surplus[r] - rat * profit_tax[r]
        tr = np.float32(size[r] - abroad[r]) * transfer_pp
        if extra_a:
            tr = tr + paid_a[r]
        if extra_b:
            tr = tr + paid_b[r]
        rm = np.float32(abroad[r]) * remittance_pm
        if remittances_in_ratio:
            rm = rm * rat
        if deflate:
            d = deflator[s]
            wg = wg * d
            fm = fm * d
            sp = sp * d
            tr = tr * d
            rm = rm * d
        w_out[r] = wg
        f_out[r] = fm
        s_out[r] = sp
        t_out[r] = tr
        r_out[r] = rm
        if not alive[r]:
            continue
        if s != current:
            if current >= 0:
                income[current] = acc
            current = s
            acc = income[s]
        acc += weight * (np.float64(wg) + np.float64(fm) + np.float64(sp) + np.float64(tr) + np.float64(rm))
    if current >= 0:
        income[current] = acc
    return w_out, f_out, s_out, t_out, r_out, income


@numba.njit(**_JIT)
def labour_force(size: np.ndarray, abroad: np.ndarray, u_labour: np.ndarray, first_member: float,
                 per_other_member: float) -> np.ndarray:
    """Members at home in the labour force per row, int16 (``Households.labour_force``).

    ``floor(first_member + per_other_member x (at home - 1) + u_labour)`` in float64 where someone
    is at home (0 elsewhere), at least 0 and at most the members at home.
    """
    rows = size.shape[0]
    out = np.empty(rows, dtype=np.int16)
    for r in range(rows):
        at_home = np.int64(size[r]) - np.int64(abroad[r])
        expected = first_member + per_other_member * np.float64(at_home - 1) if at_home > 0 else 0.0
        lab = np.floor(expected + np.float64(u_labour[r]))
        lab = lab if lab > 0.0 else 0.0
        out[r] = lab if lab < at_home else at_home
    return out
