"""``regsim bench``: speed and memory of the model, measured, with Mesa's own example as reference.

Each scale runs in a fresh worker process (so that peak memory, ``ru_maxrss``, belongs to that
scale alone), and in that ONE process the regsim runs and Mesa's Boltzmann wealth example are
timed the same way: ``time.perf_counter`` around the stepping, a garbage collection before each
timed run (neither pays for the other's garbage), best of N, interleaved (Mesa, regsim, Mesa,
regsim, ...) so that a change of machine load hits both. The ratio of the two is therefore
meaningful on a loaded machine, where the absolute figures are not. (Before, Mesa was timed three
times in a row after the regsim runs, with their garbage and heap still about, and the ratio
disagreed with a measurement of both side by side in one interpreter: 6.2 against 4.9-5.8 us per
agent-step.) Reported:

* household-years per second (living household rows summed over the simulated years / seconds of
  stepping), firm agent-years per second, and each phase of ``step()`` as a share of the stepping's
  CPU time (``time.process_time``, so that other processes on the machine do not shift the shares);
* ``model_seconds`` (build and steps, without interpreter start; the compiled kernels are loaded
  before timing by a small run, ``warmup_seconds``, as a batch worker loads them once) and peak
  resident memory;
* default runs per core-hour with the world reused, as a batch worker runs them;
* Mesa's Boltzmann wealth example (20,000 agents, 10 steps): seconds per agent-step, and the
  ratio of that to regsim's seconds per household-year, in wall-clock time and in CPU time
  (``time.process_time``: on a machine shared with other work, wall-clock time includes the
  waits while they run, which do not hit regsim and Mesa alike; CPU time mostly excludes them);
* a leak check: resident memory over repeated runs in one process.

``--set KEY=VALUE`` measures other parameters (e.g. ``scale.firm_weight=10``); the full scale is
one household row per household and one firm agent per enterprise.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

from regsim import files
from regsim.errors import RegsimError

SCALES = {"default": 10, "full": 1}  # household weight; the full scale also has one firm agent per enterprise
FULL_FIRM_WEIGHT = 1
MESA_REPEATS = 3  # Mesa is timed best of at least this many, interleaved with the regsim runs
MESA_AGENTS = 20_000
MESA_STEPS = 10
# growth is measured after the first ten runs (imports, caches, the allocator's arenas settle);
# run_one releases each model and trims the heap, so growth after that would be a leak
LEAK_WARMUP_RUNS = 10


def _rss_mb() -> float:
    """Current resident memory of this process, MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return 0.0


def _boltzmann() -> Any:
    """Mesa's Boltzmann wealth example with MESA_AGENTS agents on a 100 x 100 grid, seed 1.

    Mesa 3.3 and 3.4 take keyword arguments; Mesa >= 3.5 takes one ``BoltzmannScenario``.
    """
    from mesa.examples.basic.boltzmann_wealth_model import model as boltzmann

    if hasattr(boltzmann, "BoltzmannScenario"):
        return boltzmann.BoltzmannWealth(boltzmann.BoltzmannScenario(n=MESA_AGENTS, width=100, height=100, rng=1))
    return boltzmann.BoltzmannWealth(n=MESA_AGENTS, width=100, height=100, seed=1)


def mesa_seconds() -> tuple[float, float]:
    """Wall and CPU seconds of one timed run of Mesa's Boltzmann example: MESA_STEPS steps of MESA_AGENTS agents."""
    model = _boltzmann()
    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(MESA_STEPS):
        model.step()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    model.remove_all_agents()
    return seconds, cpu


def bench_params(weight: int, overrides: tuple[str, ...] = ()) -> Any:
    """Default parameters at household weight ``weight`` (the full scale: firm weight 1 too), then ``--set`` overrides.

    Raises:
        ScenarioError: for an unknown key or a value out of range, naming it.
    """
    from regsim.scenario import defaults_with

    scale: dict[str, int] = {"household_weight": weight}
    if weight == SCALES["full"]:
        scale["firm_weight"] = FULL_FIRM_WEIGHT
    return defaults_with(overrides, {"scale": scale})


def _time_run(params: Any) -> dict[str, Any]:
    """Build and step one default run (seed 1), timed; the model is released before returning."""
    from regsim.model.simulation import RegionalModel

    gc.collect()
    started = time.perf_counter()
    model = RegionalModel(params, seed=1)
    build = time.perf_counter() - started
    step_started, cpu_started = time.perf_counter(), time.process_time()
    household_years = 0  # living rows summed over the simulated years (rows grow with the population)
    firm_years = 0  # living firm agents summed over the simulated years
    while model.state.year < params.time.end_year:
        model.step()
        household_years += model.state.households.n_alive
        firm_years += len(model.firm_agents)
    stepping = time.perf_counter() - step_started
    stepping_cpu = time.process_time() - cpu_started
    total = time.perf_counter() - started
    rows = model.state.households.n_alive
    firms = int(model.state.firms.alive.sum())
    timings = dict(model.timings)
    # budget checks, flow buffers, firm agents' turnover and the loop itself: CPU time inside the
    # step outside any process (the phases are CPU seconds: shares of the stepping's CPU time)
    timings["other"] = max(0.0, stepping_cpu - sum(timings.values()))
    model.release()
    years = params.time.end_year - params.time.start_year + 1
    return {"household_weight": params.scale.household_weight, "firm_weight": params.scale.firm_weight,
            "household_rows": rows, "firm_agents": firms, "years": years,
            "model_seconds": total, "build_seconds": build, "step_seconds": stepping,
            "step_cpu_seconds": stepping_cpu,
            "household_years": household_years, "firm_agent_years": firm_years,
            "household_years_per_second": household_years / stepping,
            "seconds_per_household_year": stepping / household_years,
            "firm_agent_years_per_second": firm_years / stepping,
            "phase_share": {k: v / stepping_cpu for k, v in sorted(timings.items(), key=lambda kv: -kv[1])}}


WARMUP_WEIGHT = 1000  # household and firm weight of the small run that loads the compiled kernels before timing


def warm_up(params: Any) -> float:
    """Run one small model (1:1000, one year) so that Numba's kernels are loaded before timing; its seconds.

    A fresh process loads each compiled kernel from Numba's on-disk cache at its first call (about
    0.35 s of CPU for all of them), or compiles them where no cache exists yet (the first run
    after an install: a few seconds). A batch worker pays this once for all its runs.
    """
    from regsim.model.simulation import run_one
    from regsim.params import replace

    small = replace(replace(replace(params, "scale.household_weight", WARMUP_WEIGHT), "scale.firm_weight",
                            WARMUP_WEIGHT), "time.end_year", params.time.start_year)
    started = time.perf_counter()
    run_one(small, 0)
    return time.perf_counter() - started


def measure_scale(weight: int, repeats: int, overrides: tuple[str, ...] = ()) -> dict[str, Any]:
    """Time default runs at one household weight (best of ``repeats``) and Mesa, interleaved in this process.

    Mesa's example is timed before each regsim run and at least :data:`MESA_REPEATS` times in all.
    """
    from regsim.model.simulation import cached_world

    params = bench_params(weight, tuple(overrides))
    cached_world(params.scale.world_seed, params.world)  # a batch worker builds the world once
    warmup = warm_up(params)  # and loads the compiled kernels once (compiles them on first use)
    _boltzmann().remove_all_agents()  # Mesa's imports, outside any timing
    best: dict[str, Any] | None = None
    mesa_times: list[tuple[float, float]] = []
    step_cpu = float("inf")
    for i in range(max(repeats, MESA_REPEATS)):
        mesa_times.append(mesa_seconds())
        if i < repeats:
            run = _time_run(params)
            step_cpu = min(step_cpu, run["step_cpu_seconds"])
            if best is None or run["model_seconds"] < best["model_seconds"]:
                best = run
    assert best is not None
    best["overrides"] = list(overrides)
    best["warmup_seconds"] = warmup
    best["runs_per_core_hour"] = 3600.0 / best["model_seconds"]
    mesa = min(wall for wall, _ in mesa_times)
    mesa_cpu = min(cpu for _, cpu in mesa_times)
    agent_steps = MESA_AGENTS * MESA_STEPS
    best.update({"mesa_seconds": mesa, "mesa_seconds_per_agent_step": mesa / agent_steps,
                 "mesa_cpu_seconds_per_agent_step": mesa_cpu / agent_steps, "mesa_repeats": len(mesa_times),
                 "cpu_seconds_per_household_year": step_cpu / best["household_years"]})
    best["speedup_vs_mesa"] = best["mesa_seconds_per_agent_step"] / best["seconds_per_household_year"]
    # the same ratio in CPU time (time.process_time, best of each): less sensitive to other processes
    # on a loaded machine than wall-clock time, which waits while they run
    best["speedup_vs_mesa_cpu"] = best["mesa_cpu_seconds_per_agent_step"] / best["cpu_seconds_per_household_year"]
    best["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return best


def leak_check(runs: int, overrides: tuple[str, ...] = (), end_year: int = 2025) -> dict[str, Any]:
    """Resident memory after each of ``runs`` default runs (to ``end_year``) in one process."""
    from regsim.model.simulation import cached_world, run_one
    from regsim.params import replace

    params = replace(bench_params(SCALES["default"], overrides), "time.end_year", end_year)
    cached_world(params.scale.world_seed, params.world)
    rss = []
    for seed in range(runs):
        run_one(params, seed)
        rss.append(_rss_mb())
    settled = rss[min(LEAK_WARMUP_RUNS, len(rss)) - 1]
    return {"leak_runs": runs, "rss_after_run_mb": [round(r, 1) for r in rss],
            "rss_growth_after_warmup_mb": max(rss) - settled}


def _child(task: tuple[str, int, int, tuple[str, ...]], queue: multiprocessing.Queue) -> None:
    kind, arg, repeats, overrides = task
    try:
        queue.put(measure_scale(arg, repeats, overrides) if kind == "scale" else leak_check(arg, overrides))
    except Exception as err:  # reported to the parent
        queue.put({"error": f"{type(err).__name__}: {err}"})


def _in_fresh_process(task: tuple[str, int, int, tuple[str, ...]]) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(task, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def run(scale: str = "default", repeats: int = 3, leak_runs: int = 50, overrides: tuple[str, ...] = ()
        ) -> dict[str, Any]:
    """All measurements for ``scale`` in ``default``, ``full`` or ``both``."""
    names = ["default", "full"] if scale == "both" else [scale]
    out: dict[str, Any] = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine(),
                    "cores": multiprocessing.cpu_count()},
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    for name in names:
        out[name] = _in_fresh_process(("scale", SCALES[name], repeats if name == "default" else 1, overrides))
    if leak_runs:
        out["leaks"] = _in_fresh_process(("leak", leak_runs, 0, overrides))
    return out


def is_bench_json(path: Path) -> bool:
    """Whether ``path`` is a JSON file written by ``regsim bench --json`` (so it may be replaced)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"machine", "utc"} <= set(data)


def measure(scale: str = "default", repeats: int = 3, leak_runs: int = 50, json_file: str | None = None,
            overrides: tuple[str, ...] | list[str] = ()) -> dict[str, Any]:
    """Check the options, run every measurement (:func:`run`) and write them to ``json_file`` if given.

    Args:
        scale: ``default``, ``full`` or ``both``.
        repeats: Best of N for the default scale, 1 or more.
        leak_runs: Runs of the leak check, 0 to skip.
        json_file: A file to write the figures to as one JSON object (checked before any
            measurement; a file regsim bench wrote before is replaced); None or ``"-"``: none.
        overrides: ``KEY=VALUE`` parameter overrides for every run (``--set``), checked first.

    Raises:
        RegsimError: for a bad option or a JSON file that may not be written, before any measurement.
    """
    if repeats < 1 or leak_runs < 0:
        raise RegsimError("--repeats must be 1 or more and --leak-runs 0 or more")
    overrides = tuple(overrides)
    bench_params(SCALES["default"], overrides)  # a bad key or value fails here, before any measurement
    to_file = json_file not in (None, "-")
    if to_file:
        files.check_file(json_file, is_bench_json, "a regsim bench JSON file", "--json")
    result = run(scale, repeats, leak_runs, overrides)
    if to_file:
        files.write_text(json_file, json.dumps(result, indent=2) + "\n")
    return result


def format_report(result: dict[str, Any]) -> str:
    """The measurements as a plain-text table."""
    lines = [f"regsim bench, {result['utc']}, Python {result['machine']['python']}, "
             f"{result['machine']['cores']} cores, {result['machine']['platform']}"]
    for name in ("default", "full"):
        r = result.get(name)
        if not r:
            continue
        if "error" in r:
            lines.append(f"{name}: failed: {r['error']}")
            continue
        lines += [
            f"\n[{name}] household_weight={r['household_weight']}, firm_weight={r['firm_weight']}"
            + (f" ({' '.join(r['overrides'])})" if r.get("overrides") else "")
            + f": {r['household_rows']:,} household rows and {r['firm_agents']:,} firm agents in the last year, "
            f"{r['years']} years",
            f"  model_seconds            {r['model_seconds']:.2f} s (build {r['build_seconds']:.2f} s; "
            f"before timing, a small run loaded the compiled kernels: {r.get('warmup_seconds', 0.0):.2f} s)",
            f"  peak memory              {r['peak_rss_mb']:.0f} MB",
            f"  household-years / s      {r['household_years_per_second']:,.0f} "
            f"({1e9 * r['seconds_per_household_year']:.0f} ns each)",
            f"  firm agent-years / s     {r['firm_agent_years_per_second']:,.0f}",
            f"  runs per core-hour       {r['runs_per_core_hour']:,.0f}",
            f"  Mesa Boltzmann reference {1e9 * r['mesa_seconds_per_agent_step']:,.0f} ns per agent-step "
            f"({MESA_AGENTS:,} agents, {MESA_STEPS} steps; same process, best of {r.get('mesa_repeats', 3)}, "
            "interleaved)",
            f"  speed-up versus Mesa     {r['speedup_vs_mesa']:.0f}x per household-year (wall clock; in CPU time "
            f"{r['speedup_vs_mesa_cpu']:.0f}x: {1e9 * r['cpu_seconds_per_household_year']:.0f} against "
            f"{1e9 * r['mesa_cpu_seconds_per_agent_step']:,.0f} ns)",
            "  share of the step        " + ", ".join(f"{k} {100 * v:.0f}%" for k, v in r["phase_share"].items()),
        ]
    leaks = result.get("leaks")
    if leaks and "error" not in leaks:
        lines.append(f"\n[leaks] {leaks['leak_runs']} runs in one process: resident memory grew "
                     f"{leaks['rss_growth_after_warmup_mb']:.1f} MB after the first {LEAK_WARMUP_RUNS} "
                     f"(from {leaks['rss_after_run_mb'][0]:.0f} to {leaks['rss_after_run_mb'][-1]:.0f} MB)")
    return "\n".join(lines)
