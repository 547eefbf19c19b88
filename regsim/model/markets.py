"""Markets that clear: where people spend, the prices that bound firms' sales, and entry on expected profit.

Pure functions on arrays (issue 24 item 2), used by the labour market (``processes.labour``, prices),
initialisation (the 2017 anchors) and entry (``processes.production``); ``tests/test_core_periphery.py``
runs them in a two-region world.

* **Services** are sold where people spend. Residents of ``j`` spend ``E_j`` (som) on services and
  split it over the places ``i`` that sell them as a CES (Armington) demand system with distance
  costs: ``share_ij = w_i K_ij / sum_k w_k K_kj`` with ``w_i = attraction_i n_i p_i^(1 - sigma)``
  (Huff 1963's retail gravity is this form; Krugman 1991's market potential too): ``n_i``
  enterprises (varieties), ``p_i`` the place's service price, ``K`` a distance kernel
  ``exp(-km / decay)`` and ``sigma`` the elasticity of substitution between places. A place's sales
  are ``R_i = w_i (K @ (E / (K^T w)))_i``.
* **Industry** sells at one national price to a demand whose level grows with domestic spending
  and export markets and whose price elasticity is ``epsilon`` (exports priced against the world,
  domestic buyers against imports): ``R(p) = level x p^(1 - epsilon)``.
* **Clearing**: a price rises where demand exceeds what firms produce at it. At fixed wages and
  capital a firm's sales at price ``p`` are ``p^(1/(1-b))`` times those at 1 (it hires up to
  marginal product), so supply is ``V_i (p_i / p0_i)^(1/(1-b))``; the clearing price solves
  ``supply_i(p) = R_i(p)`` (a damped Jacobi iteration in logs, which contracts because own-price
  effects dominate cross-price effects).
* **Entry** responds to expected profit by place: entrants (in enterprises, so the expected number
  does not depend on how many enterprises a firm agent stands for) are
  ``entry_rate x max(enterprises, floor) x clip(m^eta, 0, cap)`` with ``m`` the growth of profit per
  enterprise since the base year over the growth of the entrepreneur's outside option.
"""

from __future__ import annotations

import hashlib

import numpy as np

CLEARING_STEPS = 60  # numerics: most Jacobi steps of the price iteration (contraction about 0.6 per step)
CLEARING_TOLERANCE = 1e-5  # numerics: stop when no log price or log level moves more than this in a step
SINKHORN_STEPS = 500  # numerics: scaling steps that fit the base-year attraction of each place
TINY = 1e-300
PRICE_FLOOR = 1e-30  # numerics: lowest relative price in the CES weights (its power 1 - sigma stays finite)
FIT_CACHE_SIZE = 4  # numerics: fitted attractions kept per process (one per world and base-year state in use)
_fitted: dict[bytes, np.ndarray] = {}


def spending_weights(attraction: np.ndarray, enterprises: np.ndarray, price: np.ndarray,
                     substitution: float) -> np.ndarray:
    """``w_i = attraction_i x enterprises_i x price_i^(1 - sigma)``: a seller's pull on spending, shape (S,)."""
    return attraction * enterprises * np.power(np.maximum(price, PRICE_FLOOR), 1.0 - substitution)


def sales(weights: np.ndarray, kernel: np.ndarray, spending: np.ndarray) -> np.ndarray:
    """Sales of each seller place when buyers split their spending by ``weights x kernel``, som, shape (S,).

    Args:
        weights: Pull of each seller (:func:`spending_weights`), shape (S,).
        kernel: ``K[i, j]``, the weight of seller i for buyers in j (distance decay), shape (S, S).
        spending: What buyers in each place spend on the good, som, shape (S,).

    Buyers with no seller in reach (zero denominator) buy nothing; their spending is reported by
    :func:`unserved`.
    """
    reach = kernel.T @ weights
    per_unit = np.divide(spending, reach, out=np.zeros_like(spending, dtype=float), where=reach > TINY)
    return weights * (kernel @ per_unit)


def unserved(weights: np.ndarray, kernel: np.ndarray, spending: np.ndarray) -> float:
    """Spending of buyers with no seller in reach, som (0 when every buyer reaches a seller)."""
    reach = kernel.T @ weights
    return float(spending[reach <= TINY].sum())


def fit_attraction(target_sales: np.ndarray, enterprises: np.ndarray, kernel: np.ndarray,
                   spending: np.ndarray) -> np.ndarray:
    """Attraction per enterprise that reproduces the base-year sales at price 1, shape (S,).

    Scales the attraction of each place by target / sales until sales match (Sinkhorn / RAS
    balancing, as gravity models are fitted to observed flows). ``spending`` must sum to the
    targets. Places without sellers get the sales-weighted mean attraction (an entrant there sells
    like an average place of its size and distance would).

    The fit (``SINKHORN_STEPS`` products with the (S, S) kernel, about 50 ms) depends only on its
    inputs. The base year depends on the run's seed (each replication draws its own population,
    ``scale.population_draw = "per_run"``) but not on its strategy, so the strategies of one
    replication share it; a process keeps the last ``FIT_CACHE_SIZE`` fits, keyed by the bytes of
    the inputs, and returns a copy: the same numbers as fitting again. The cache is per process and
    not locked: run models in processes, not threads of one process.
    """
    key = _inputs_key(target_sales, enterprises, kernel, spending)
    fitted = _fitted.get(key)
    if fitted is None:
        fitted = _fit_attraction(target_sales, enterprises, kernel, spending)
        if len(_fitted) >= FIT_CACHE_SIZE:
            _fitted.pop(next(iter(_fitted)))  # the oldest
        _fitted[key] = fitted
    return fitted.copy()


def _inputs_key(*arrays: np.ndarray) -> bytes:
    """A digest of the dtypes, shapes and bytes of ``arrays``."""
    digest = hashlib.blake2b(digest_size=32)
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array)  # contiguous: hashed in place, no copy
    return digest.digest()


def _fit_attraction(target_sales: np.ndarray, enterprises: np.ndarray, kernel: np.ndarray,
                    spending: np.ndarray) -> np.ndarray:
    """:func:`fit_attraction` without the cache."""
    sells = (enterprises > 0) & (target_sales > 0)
    attraction = np.where(sells, 1.0, 0.0)
    for _ in range(SINKHORN_STEPS):
        now = sales(attraction * enterprises, kernel, spending)
        attraction = np.where(sells, attraction * np.divide(target_sales, now, out=np.ones_like(now),
                                                             where=now > TINY), 0.0)
    mean = np.average(attraction[sells], weights=target_sales[sells]) if sells.any() else 1.0
    return np.where(sells, attraction, mean)


def clear_local(supply: np.ndarray, price: np.ndarray, supply_elasticity: float, attraction: np.ndarray,
                enterprises: np.ndarray, kernel: np.ndarray, spending: np.ndarray,
                substitution: float) -> np.ndarray:
    """Prices at which each place's supply equals what buyers spend there, shape (S,).

    Args:
        supply: Sales each place's firms would make at ``price``, som, shape (S,).
        price: The prices ``supply`` was computed at, ratio (1 in the base year), shape (S,).
        supply_elasticity: Elasticity of sales to the price at fixed wages, ``1 / (1 - b)``.
        attraction: Pull per enterprise of each place, shape (S,).
        enterprises: Enterprises selling in each place, shape (S,).
        kernel: Distance kernel ``K[i, j]`` (seller i, buyer j), shape (S, S).
        spending: What buyers in each place spend, som, shape (S,).
        substitution: Elasticity of substitution between places, ``sigma`` > 1.

    Places with no supply keep their price (they sell nothing at any price).
    """
    active = (supply > 0) & (attraction * enterprises > 0)
    log_p = np.log(np.maximum(price, TINY))
    log_p0, log_v0 = log_p.copy(), np.log(np.maximum(supply, TINY))
    step = 1.0 / (supply_elasticity + substitution - 1.0)
    for _ in range(CLEARING_STEPS):
        weights = spending_weights(attraction, enterprises, np.exp(log_p), substitution) * active
        demand = sales(weights, kernel, spending)
        log_supply = log_v0 + supply_elasticity * (log_p - log_p0)
        gap = np.log(np.maximum(demand, TINY)) - log_supply
        log_p = np.where(active, log_p + step * gap, log_p)
    return np.exp(log_p)


def clear_with_numeraire(services_supply: np.ndarray, services_price: np.ndarray, industry_supply: float,
                         industry_price: float, supply_elasticity: float, attraction: np.ndarray,
                         enterprises: np.ndarray, kernel: np.ndarray, services_spending: np.ndarray,
                         industry_domestic: float, industry_exports: float, substitution: float,
                         price_elasticity: float, level: float | None = None) -> tuple[np.ndarray, float, float]:
    """Relative prices that clear every firm market, with the price level of firm output as numeraire.

    Services in each place clear against buyers' spending within reach (:func:`sales`); industry
    against domestic demand plus exports, both with price elasticity ``price_elasticity``
    (``(domestic + exports) x p^(1 - epsilon)``). Nominal domestic spending (services and
    industry's domestic part) is scaled by one level ``lambda`` such that the output-weighted
    price level (value / volume of all firm sales, a Paasche deflator) is 1: by Walras' law
    spending only decides relative prices, and the volume of output, what firms can produce,
    stays measured at 2017 prices. So demand decides which places and sectors sell (a place whose
    supply outgrows the spending within its reach sells at a lower price), not the size of the
    economy; exports, priced against the world, are not scaled.

    The iteration (Jacobi in the log prices, damped by ``1 / (e + sigma - 1)``) updates the level
    by the full step ``-e log(price level)`` and moves the service prices with it by the level's
    uniform effect, ``-log(price level)`` (at given relative prices, scaling all spending by
    ``lambda`` scales every price by ``lambda^(1/e)``), and starts from ``level``: the previous
    round's ``lambda`` (``labour.market_prices``), or, without one, the level at which domestic
    spending buys what firms sell beyond exports at the current prices. It stops when no log price
    and not the log level moves more than ``CLEARING_TOLERANCE`` in a step (within about that of
    the fixed point; issue 23: 8 steps a call on average in a default run, 21 before at 10x the
    tolerance).

    Args:
        services_supply: Sales of each place's service firms at ``services_price``, som, (S,).
        services_price: The prices the supply was computed at, ratio, (S,).
        industry_supply: Sales of industrial firms at ``industry_price``, som.
        industry_price: The price it was computed at, ratio.
        supply_elasticity: Elasticity of sales to the price at fixed wages, ``1 / (1 - b)``.
        attraction: Pull per enterprise of each place's services, (S,).
        enterprises: Service enterprises per place, (S,).
        kernel: Distance kernel ``K[i, j]`` (seller i, buyer j), (S, S).
        services_spending: Buyers' spending on services by place before scaling, som, (S,).
        industry_domestic: Domestic demand for industrial goods at price 1 before scaling, som.
        industry_exports: Export demand at price 1, som.
        substitution: Elasticity of substitution between places' services, > 1.
        price_elasticity: Price elasticity of demand for industrial goods, > 1.
        level: ``lambda`` to start from (the previous round's), or None.

    Returns:
        ``(services prices, industry price, lambda)``.
    """
    e = supply_elasticity
    active = (services_supply > 0) & (attraction * enterprises > 0)
    x = np.log(np.maximum(services_price, TINY))
    x0, v0 = x.copy(), np.maximum(services_supply, 0.0)
    y0 = np.log(max(industry_price, TINY))
    y = y0
    if level is None:  # domestic spending scaled to buy what firms sell beyond exports at the current prices
        sold = float(v0.sum()) + max(industry_supply, 0.0) - industry_exports
        wanted = float(services_spending.sum()) + industry_domestic
        level = sold / wanted if sold > 0 and wanted > 0 else 1.0
    log_level = float(np.log(max(level, TINY)))
    step = 1.0 / (e + substitution - 1.0)
    for _ in range(CLEARING_STEPS):
        level = np.exp(log_level)
        weights = spending_weights(attraction, enterprises, np.exp(x), substitution) * active
        demand = sales(weights, kernel, level * services_spending)
        supply = v0 * np.exp(e * (x - x0))
        move = np.where(active, step * (np.log(np.maximum(demand, TINY)) - np.log(np.maximum(supply, TINY))), 0.0)
        x = x + move
        y_before = y
        if industry_supply > 0:
            wanted = level * industry_domestic + industry_exports
            y = y0 + (np.log(max(wanted, TINY)) + (1.0 - price_elasticity) * y0 - np.log(industry_supply)) / (
                e + price_elasticity - 1.0)
        supply = v0 * np.exp(e * (x - x0))
        industry = industry_supply * np.exp(e * (y - y0))
        value = float(supply.sum() + industry)
        volume = float((supply * np.exp(-x)).sum() + industry * np.exp(-y))
        shift = np.log(value / volume) if value > 0 and volume > 0 else 0.0  # log of the price level
        log_level -= e * shift
        x = np.where(active, x - shift, x)  # the level's uniform effect on prices
        if max(float(np.abs(move).max(initial=0.0)), abs(y - y_before), abs(e * shift)) < CLEARING_TOLERANCE:
            break
    return np.exp(x), float(np.exp(y)), float(np.exp(log_level))


def clear_national(supply: float, price: float, supply_elasticity: float, demand_level: float,
                   price_elasticity: float) -> float:
    """The one price at which national supply equals ``demand_level x p^(1 - epsilon)``, ratio.

    ``supply`` (som) was computed at ``price``; at fixed wages it moves as ``p^supply_elasticity``.
    Closed form: ``p = price x (demand at price / supply)^(1 / (supply_elasticity + epsilon - 1))``.
    """
    if supply <= 0 or demand_level <= 0:
        return price
    demand = demand_level * price ** (1.0 - price_elasticity)
    return price * (demand / supply) ** (1.0 / (supply_elasticity + price_elasticity - 1.0))


def expected_growth(now: float, base: float, years: int, first_year_growth: float) -> float:
    """Factor by which spending is expected to grow this year: its mean growth since the base year.

    Firms plan on last year's spending grown at the trend it has followed (adaptive, smooth:
    a one-year growth rate would feed back on itself); in the first year, ``first_year_growth``
    (the growth of the balanced path the base year sits on).
    """
    if years <= 0 or base <= 0 or now <= 0:
        return 1.0 + first_year_growth
    return float((now / base) ** (1.0 / years))


def entry_multiple(profit_per_enterprise: np.ndarray, base_profit_per_enterprise: np.ndarray,
                   outside_growth: float, elasticity: float, cap: float) -> np.ndarray:
    """Entry relative to its base-year rate, from the growth of expected profit per enterprise, ratio.

    ``m = (profit / base profit) / outside_growth``: profit per enterprise grew faster than the
    entrepreneur's outside option (national output per person) draws entrants, slower deters them;
    entry is ``m^elasticity``, clipped to ``[0, cap]``. Cells with no base profit get ``m = 1``
    times the outside option's growth ratio (entry at the base rate).
    """
    growth = np.divide(profit_per_enterprise, base_profit_per_enterprise,
                       out=np.full(np.shape(profit_per_enterprise), float(outside_growth)),
                       where=base_profit_per_enterprise > 0)
    m = np.maximum(growth, 0.0) / max(outside_growth, TINY)
    return np.clip(m**elasticity, 0.0, cap)


def expected_entrants(enterprises: np.ndarray, multiple: np.ndarray, entry_rate: float,
                      floor_enterprises: float) -> np.ndarray:
    """Expected entrant enterprises per cell this year, enterprises.

    ``entry_rate x max(enterprises, floor) x multiple``: the pool of potential entrants scales with
    the incumbents (spin-offs, imitation), and a cell with none still draws ``floor`` enterprises'
    worth of potential entrants. Counted in enterprises, not firm agents, so halving
    ``scale.firm_weight`` leaves it unchanged.
    """
    return entry_rate * np.maximum(enterprises, floor_enterprises) * multiple


# --- buyers' prices (issue 24: what households pay; the markets helper, session 8) ---------------------------

def buyers_reach(weights: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``sum_i w_i K_ij``: the pull of every seller within reach of buyers in each place, shape (S,).

    The CES price index of buyers in ``j`` is this to the power ``1 / (1 - sigma)`` (the kernel read
    as the trade cost ``tau_ij^(1 - sigma)``, as in :func:`sales`), up to the units of attraction.
    """
    return kernel.T @ weights


def buyers_price_index(reach: np.ndarray, base_reach: np.ndarray, substitution: float) -> np.ndarray:
    """Services price index of buyers in each place relative to the base year, ratio, shape (S,).

    ``P_j / P0_j = (reach_j / reach0_j)^(1 / (1 - sigma))`` with ``reach`` from :func:`buyers_reach`:
    it falls when sellers within reach become cheaper, more numerous (varieties) or nearer (a
    shorter trade distance raises ``K_ij``). Places without a seller in reach in either year keep 1.
    """
    ok = (reach > TINY) & (base_reach > TINY)
    ratio = np.divide(reach, base_reach, out=np.ones_like(reach, dtype=float), where=ok)
    return np.where(ok, ratio ** (1.0 / (1.0 - substitution)), 1.0)
