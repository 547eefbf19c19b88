"""The ``regsim`` command: the only place that prints or chooses paths.

Every user mistake (``RegsimError``) becomes one line on stderr and exit status 2, with no
traceback and no partial output left behind.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from regsim import __version__
from regsim.errors import RegsimError
from regsim.params import DEFAULT_SEED, RUN_SEED

if TYPE_CHECKING:
    import pandas as pd

# operating-system errors that mean "this output cannot be written" (a user can fix them)
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES})

EPILOG = textwrap.dedent("""\
    examples:
      regsim compare                               the main job: all strategies, headline table, report
      regsim run                                   one run of the Concept as adopted (scenarios/baseline.toml)
      regsim run --set policy.strategy=concentrated --seed 7
      regsim run strong-agglomeration --set time.end_year=2030 --out results/agglo
      regsim scenarios                             list the named scenarios
      regsim show baseline --set economy.congestion_elasticity=0.1
      regsim params                                every parameter: default, unit, range, source
      regsim batch compare-strategies --out results/c --executor dask   experiments on a cluster
      regsim validate | regsim sensitivity --method morris | regsim robustness   credibility checks

    strategies: none, equalisation_uniform, equalisation_needs, concentrated,
      concentrated_hinterland, concept_two_stage, hybrid, custom (policy.custom_weights_csv)
    outputs: --out is a new or empty folder or one of regsim's own results (resumed or replaced); regsim
      never deletes, replaces or mixes into anything else, and checks this before any work starts
    docs: docs/ODD.md (the model), docs/validation.md (fit to data), docs/cluster.md (batches)
""")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"regsim: error: {message} (see 'regsim --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``regsim`` command."""
    parser = _Parser(prog="regsim", description="Agent-based simulation of regional policy in the "
                     "Kyrgyz Republic: concentrated support of 20 growth centres versus equalisation "
                     "under one budget.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"regsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="run one scenario and write tidy results",
                         description="Run one scenario from 2018 to time.end_year and write "
                         "national/oblasts/settlements/world Parquet tables and run.json.",
                         epilog="KEY is section.name of any parameter (see 'regsim params'), e.g. "
                         "policy.strategy, policy.budget_som_per_year, time.end_year, "
                         "scale.household_weight, economy.agglomeration_elasticity.")
    run.add_argument("scenario", nargs="?", default="baseline",
                     help="a name in scenarios/ or a path to a TOML file (default: baseline)")
    run.add_argument("--seed", type=int, default=RUN_SEED, help=f"run seed (default: {RUN_SEED})")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter; repeatable")
    run.add_argument("--out", type=Path, default=None,
                     help="output folder (default: results/<scenario>-<strategy>-seed<N>): new, empty, or a "
                     "regsim run of the same scenario, parameters and seed, which is replaced when the new run "
                     "is complete; any other folder or file is refused before the run starts")
    run.add_argument("--overwrite", action="store_true",
                     help="also replace a regsim run of another configuration (never anything that is not a "
                     "regsim run)")
    run.add_argument("--quiet", action="store_true", help="print only the output directory")

    batch = sub.add_parser(
        "batch", help="run an experiment (grid x sample x replications); resumable",
        description="Run every run of an experiment file into DIR: manifest.json, design.parquet, and one "
        "Parquet file per run in DIR/national/, DIR/oblasts/ (and DIR/settlements/ on request). Running the "
        "same command again resumes: only missing runs run. Exit status 1 if any run failed.",
        epilog="examples:\n"
        "  regsim batch experiments/compare-strategies.toml --out results/compare --executor processes --workers 2\n"
        "  regsim batch compare-strategies --out results/compare --executor dask --workers 4\n"
        "  regsim batch compare-strategies --out /shared/compare --executor dask --scheduler tcp://10.0.0.5:8786\n"
        "  regsim batch compare-strategies --out /shared/compare --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\n"
        "see docs/cluster.md for Dask clusters and Slurm job arrays",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    batch.add_argument("experiment", help="a name in experiments/ or a path to an experiment TOML file")
    batch.add_argument("--out", type=Path, required=True, help="results directory (created or resumed)")
    batch.add_argument("--executor", choices=["serial", "processes", "dask"], default="serial",
                       help="serial (default), a local process pool, or Dask distributed")
    batch.add_argument("--workers", type=int, default=None,
                       help="worker processes for processes/dask (default: all local cores)")
    batch.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="an existing Dask scheduler, e.g. tcp://host:8786 (implies --executor dask)")
    batch.add_argument("--shard", default=None, metavar="I/N", help="run only the I-th of N slices (Slurm arrays)")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")

    compare = sub.add_parser(
        "compare", help="the main job: every strategy under one budget, a headline table and a report",
        description="Run every strategy (and a hybrid sweep of the centre share for the growth-equity frontier) "
        "on a scenario with common random numbers, print the headline table versus no regional budget, and "
        "write summary.csv, figures/ (PNG and SVG) and a self-contained report.html into --out. Resumable: "
        "run the same command again to finish an interrupted comparison.",
        epilog="examples:\n  regsim compare\n  regsim compare --replications 20 --set policy.budget_som_per_year=5e9\n"
        "  regsim compare strong-agglomeration --strategies none,concentrated,equalisation_uniform\n"
        "  regsim compare --robustness 20           (and 20 Latin-hypercube worlds: 120 runs more)\n"
        "  regsim report results/compare-baseline     (rebuild the report)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    compare.add_argument("scenario", nargs="?", default="baseline",
                         help="scenario name or TOML path (default baseline)")
    compare.add_argument("--strategies", default=None, metavar="A,B,...",
                         help="comma-separated strategies (default: all but custom, plus a hybrid sweep)")
    compare.add_argument("--hybrid-shares", default="0,0.25,0.5,0.75,1", metavar="X,Y,...",
                         help="centre shares of the hybrid sweep (default 0,0.25,0.5,0.75,1; empty to skip)")
    compare.add_argument("--replications", type=int, default=10, help="replications per strategy (default 10)")
    compare.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"experiment seed (default {DEFAULT_SEED})")
    compare.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    compare.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes")
    compare.add_argument("--workers", type=int, default=None, help="worker processes (default: all local cores)")
    compare.add_argument("--out", type=Path, default=None, help="output directory (default results/compare-SCENARIO)")
    compare.add_argument("--robustness", type=int, default=0, metavar="N",
                         help="also run each compared strategy (not the hybrid sweep) once in each of N worlds, drawn "
                         "by Latin hypercube over the plausible ranges of the uncertain parameters, with this "
                         "comparison's scenario and --set values (so its horizon and scale), seed, executor and "
                         "workers, into OUT/robustness/; the report then shows how often each strategy is best, its "
                         "regret and satisficing. Costs N x (number of strategies) more runs: 20 worlds x 6 "
                         "strategies = 120, about as many as the default comparison. 2 or more; default 0: skip "
                         "(regsim robustness can add it later)")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")

    report = sub.add_parser("report", help="rebuild the report from a comparison results directory")
    report.add_argument("dir", type=Path, help="a directory written by regsim compare (or a batch with 'none')")

    bench = sub.add_parser("bench", help="measure speed and memory (default and/or full 1:1 scale)",
                           description="Time default runs (best of N) in fresh processes: household-years and firm "
                           "agent-years per second, each phase's share of the step, peak memory, runs per core-hour, "
                           "Mesa's Boltzmann example as reference, and a leak check over repeated runs.")
    bench.add_argument("--scale", choices=["default", "full", "both"], default="default",
                       help="default (1 row per 10 households), full (1:1, about 1.5 M rows) or both")
    bench.add_argument("--repeats", type=int, default=3, help="best of N for the default scale (default 3)")
    bench.add_argument("--leak-runs", type=int, default=50, help="runs for the leak check (0 to skip; default 50)")
    bench.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                       help="write the figures as one JSON object: to FILE (besides the table), or "
                       "without FILE to standard output instead of the table (for tracking over time)")

    validate = sub.add_parser("validate", help="compare simulated 2017-2025 with Kyrgyz data; writes validation.csv",
                              description="Run replications of a scenario to 2025 and compare at least 15 targets "
                              "(2017 base year: calibrated; 2018-2022: out of sample; patterns) with the data, within "
                              "tolerances that follow data quality. Writes validation.csv (target, year, observed, "
                              "simulated median, p10, p90, tolerance, ok, source).")
    validate.add_argument("scenario", nargs="?", default="baseline")
    validate.add_argument("--replications", type=int, default=10, help="replications (default 10)")
    validate.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    validate.add_argument("--out", type=Path, default=Path("results") / "validation", help="output directory")

    elas = sub.add_parser("elasticity", help="measure the emergent output elasticity of public capital, services "
                          "and the return on grants (paired runs)",
                          description="Raise every settlement's public capital (or service stock, or firms' capital "
                          "by grants) by --increase in 2017 and compare GDP after 5 and 10 years with the unshocked "
                          "run of the same seed, under no regional budget. Prints mean and standard error over seeds "
                          "and the target ranges (Bom & Ligthart 2014; returns on private capital).")
    elas.add_argument("scenario", nargs="?", default="baseline")
    elas.add_argument("--replications", type=int, default=3, help="paired seeds (default 3)")
    elas.add_argument("--increase", type=float, default=0.01, help="size of the shock, fraction (default 0.01)")
    elas.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")

    sens = sub.add_parser("sensitivity", help="Morris or Sobol indices of the difference between two strategies",
                          description="Screen the uncertain parameters (plausible ranges from regsim params) for "
                          "their effect on the last-year difference concentrated minus equalisation_uniform in GDP "
                          "per person, poverty and Theil between oblasts (SALib). Writes sensitivity.csv and "
                          "sensitivity.png/svg into --out; resumable like a batch.")
    sens.add_argument("--method", choices=["morris", "sobol"], default="morris")
    sens.add_argument("--trajectories", type=int, default=10, help="Morris trajectories (default 10)")
    sens.add_argument("--n", type=int, default=64, help="Sobol base sample size (default 64)")
    sens.add_argument("--strategies", default="concentrated,equalisation_uniform", metavar="A,B",
                      help="the difference A minus B (default concentrated,equalisation_uniform)")
    sens.add_argument("--scenario", default="baseline")
    sens.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    sens.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes")
    sens.add_argument("--workers", type=int, default=None)
    sens.add_argument("--out", type=Path, default=None, help="default results/sensitivity-METHOD")
    sens.add_argument("--quiet", action="store_true")

    rob = sub.add_parser("robustness", help="strategies across a Latin hypercube of beliefs: best, regret, satisficing",
                         description="Run every strategy in N worlds drawn by Latin hypercube over the plausible "
                         "ranges of the uncertain parameters; write robustness.csv (share of worlds where each is best "
                         "on GDP per person and on poverty, mean and maximum regret, share satisficing: more GDP and "
                         "less poverty than no budget) and a bar chart. Runs = N x strategies, one each, to 2035 at 20 "
                         "households per row unless --set says otherwise (a cheaper screen). To show it in a "
                         "comparison's report: --out DIR/robustness, then regsim report DIR (or regsim compare "
                         "--robustness N, which uses the comparison's own settings).")
    rob.add_argument("--n", type=int, default=20, help="worlds (Latin hypercube points; default 20)")
    rob.add_argument("--strategies", default=None, metavar="A,B,...",
                     help="comma-separated strategies; none is always added as the satisficing threshold (default: "
                     "none, equalisation_uniform, equalisation_needs, concentrated, concentrated_hinterland, "
                     "concept_two_stage)")
    rob.add_argument("--scenario", default="baseline")
    rob.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    rob.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes")
    rob.add_argument("--workers", type=int, default=None)
    rob.add_argument("--out", type=Path, default=Path("results") / "robustness")
    rob.add_argument("--quiet", action="store_true")

    cal = sub.add_parser("calibrate", help="fit uncertain income and labour parameters to the 2017 base year only",
                         description="Fit six parameters (skill dispersion, frictional unemployment, remittance "
                         "share reaching households, consumption smoothing, access to farming or informal work "
                         "in towns and in villages) to 2017 unemployment (national, in Bishkek and Osh city, in "
                         "the seven oblasts), Gini, extreme poverty, remittances/GDP and household income per "
                         "person (bounded least squares, base year only: 2018-2022 stay out of sample). Writes "
                         "calibration.csv, fit.csv and calibrated.toml (a scenario inheriting SCENARIO, with the "
                         "--set values and the fit) into --out.")
    cal.add_argument("scenario", nargs="?", default="baseline")
    cal.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    cal.add_argument("--max-evaluations", type=int, default=150, help="model builds at most (default 150)")
    cal.add_argument("--out", type=Path, default=Path("results") / "calibration")

    sub.add_parser("scenarios", help="list the named scenarios with a one-line description")
    show = sub.add_parser("show", help="print a scenario's fully resolved parameters")
    show.add_argument("scenario", nargs="?", default="baseline")
    show.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    sub.add_parser("params", help="list every parameter with default, unit, range and source")
    return parser


VALIDATE_FILES = frozenset({"validation.csv"})
CALIBRATE_FILES = frozenset({"calibration.csv", "fit.csv", "calibrated.toml"})


def _check_run_out(out: Path, params: object, seed: int, overwrite: bool) -> None:
    """Refuse, before the run, an ``--out`` that is not new, empty or a regsim run we may replace.

    A regsim run of the same parameters and seed is replaced (rerunning a command refreshes its
    result); one of another configuration only with ``--overwrite``; anything else never.
    """
    import json

    from regsim import files
    from regsim.params import to_dict
    from regsim.results import is_run_result, run_meta

    files.check_folder(out, is_run_result, "a regsim run (run.json and its tables)", replace=True)
    meta = run_meta(out)
    if meta is None or overwrite:
        return
    mine = json.loads(json.dumps(to_dict(params), default=str))
    if meta.get("params") != mine or meta.get("seed") != seed:
        raise RegsimError(f"--out {out}: holds a regsim run of another configuration (scenario "
                          f"{meta.get('scenario')!r}, strategy {meta.get('strategy')!r}, seed {meta.get('seed')}); "
                          "add --overwrite to replace it, or give a new folder")


def _is_batch(folder: Path) -> bool:
    from regsim.batch.store import MANIFEST

    return (folder / MANIFEST).is_file()


def _check_batch_out(out: Path, option: str = "--out") -> None:
    """Refuse, before any run, an output folder that is not new, empty or a regsim batch (resumed)."""
    from regsim import files

    files.check_folder(out, _is_batch, "a regsim batch (manifest.json)", option=option)


def _check_files_out(out: Path, names: frozenset[str], command: str) -> None:
    """Refuse, before the work, an output folder holding anything but the files ``command`` writes."""
    from regsim import files

    files.check_folder(out, files.holds_only(set(names)), f"what {command} writes ({', '.join(sorted(names))})")


def _write_files(out: Path, names: frozenset[str], writers: dict) -> None:
    """Write a command's files into ``out``, each complete or not at all."""
    from regsim import files

    files.write_files(out, writers, files.holds_only(set(names)))


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV atomically."""
    from regsim import files

    files.atomic_write(path, lambda p: frame.to_csv(p, index=False))


def _is_bench_json(path: Path) -> bool:
    """Whether ``path`` is a JSON file written by ``regsim bench --json`` (so it may be replaced)."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"machine", "utc"} <= set(data)


def _summary(result, out: Path) -> str:
    from regsim.reporting.summary import headline_table

    return headline_table(result) + f"\n\nresults: {out}/ (national, oblasts, settlements, world .parquet; run.json)"


def cmd_run(args: argparse.Namespace) -> int:
    """``regsim run``."""
    from regsim import scenario as scenario_mod
    from regsim.model.simulation import RegionalModel

    scen = scenario_mod.load(args.scenario, args.overrides)
    params = scen.params
    if args.seed < 0:
        raise RegsimError(f"--seed: {args.seed} is negative; allowed: 0 or more")
    out = args.out or Path("results") / f"{scen.name}-{params.policy.strategy}-seed{args.seed}"
    _check_run_out(out, params, args.seed, args.overwrite)
    started = time.perf_counter()
    model = RegionalModel(params, seed=args.seed, scenario=scen.name)
    try:
        years = range(params.time.start_year, params.time.end_year + 1)
        show_bar = not args.quiet and sys.stderr.isatty()
        if show_bar:
            from tqdm import tqdm

            years = tqdm(years, desc="simulating", unit="year", file=sys.stderr, leave=False)
        for _ in years:
            model.step()
        result = model.result(time.perf_counter() - started)
        result.meta["overrides"] = list(args.overrides)
        result.meta["command"] = " ".join(["regsim", *sys.argv[1:]]) if sys.argv else "regsim run"
        result.save(out)
    finally:
        model.release()
    if args.quiet:
        print(out)
    else:
        print(f"regsim {__version__}: scenario {scen.name!r}, strategy {params.policy.strategy}, "
              f"seed {args.seed}, {result.meta['model_seconds']:.2f} s")
        print(_summary(result, out))
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """``regsim batch``."""
    import os

    from regsim.batch import run_batch
    from regsim.batch.experiment import load

    exp = load(args.experiment)
    executor = "dask" if args.scheduler else args.executor
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    summary = run_batch(exp, args.out, executor=executor, workers=workers, scheduler=args.scheduler,
                        shard=args.shard, progress=not args.quiet)
    print(f"{exp.name}: {summary['ran']} runs done now, {summary['failed']} failed, "
          f"{summary['already_complete']} already complete ({summary['seconds']:.1f} s, "
          f"{summary['runs_per_minute']} runs/min on {executor}); "
          f"{summary['done_total']}/{summary['total']} complete in {args.out}")
    if summary["failed_total"]:
        print(f"regsim: {summary['failed_total']} run(s) failed; see {args.out}/design.parquet (status, error) "
              f"and {args.out}/failed/", file=sys.stderr)
        return 1
    return 0


def _run_experiment(table: dict, out: Path, args: argparse.Namespace) -> dict | None:
    """Run an experiment table through the batch engine; None (after a message) if runs failed."""
    import os

    from regsim.batch import run_batch
    from regsim.batch.experiment import parse

    exp = parse(table, None)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    summary = run_batch(exp, out, executor=args.executor, workers=workers, progress=not args.quiet)
    if summary["failed_total"]:
        print(f"regsim: {summary['failed_total']} run(s) failed; see {out}/design.parquet (status, error) "
              f"and {out}/failed/", file=sys.stderr)
        return None
    return summary


def _fixed(args: argparse.Namespace, defaults: dict) -> dict:
    """Overrides for every run: ``defaults`` then the user's ``--set`` values."""
    from regsim.scenario import parse_override

    return {**defaults, **dict(parse_override(text) for text in args.overrides)}


def cmd_compare(args: argparse.Namespace) -> int:
    """``regsim compare``: run the comparison batch, print the headline table, write the report."""
    from regsim.params import STRATEGIES
    from regsim.reporting import analysis, report
    from regsim.scenario import locate

    default = [s for s in STRATEGIES if s not in ("custom", "hybrid")]
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()] if args.strategies else default
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise RegsimError(f"--strategies: unknown {unknown[0]!r}; allowed: {', '.join(STRATEGIES)}")
    if "none" not in strategies:
        strategies = ["none", *strategies]  # every effect is measured against no budget
    try:
        shares = [float(x) for x in args.hybrid_shares.split(",") if x.strip()] if args.hybrid_shares else []
    except ValueError:
        raise RegsimError(f"--hybrid-shares: expected numbers like 0,0.5,1; got {args.hybrid_shares!r}") from None
    if any(not 0 <= x <= 1 for x in shares):
        raise RegsimError("--hybrid-shares: shares must be between 0 and 1")
    if args.replications < 1:
        raise RegsimError(f"--replications: {args.replications} is not allowed; use 1 or more")
    if args.robustness:
        _check_worlds(args.robustness, "--robustness")
    path = locate(args.scenario)
    fixed = _fixed(args, {})
    cells = [{"policy.strategy": s} for s in strategies if s != "hybrid"]
    cells += [{"policy.strategy": "hybrid", "policy.centre_share": x} for x in shares]
    table = {"experiment": {"name": f"compare-{path.stem}", "scenario": str(path.resolve()),
                            "replications": args.replications, "seed": args.seed,
                            "outputs": ["national", "oblasts", "settlements"],
                            "settlement_years": "base_and_last", "set": fixed},
             "cells": cells}
    out = args.out or Path("results") / f"compare-{path.stem}"
    _check_batch_out(out)
    if args.robustness:
        _check_batch_out(out / report.ROBUSTNESS_DIR, "--out (its robustness/ folder)")
    summary = _run_experiment(table, out, args)
    if summary is None:
        return 1
    robust_ok = True
    if args.robustness:  # the same scenario, --set values and seed as the comparison; hybrid is a sweep, not one
        robust = tuple(s for s in strategies if s != "hybrid")
        robust_ok = run_robustness(args.robustness, robust, str(path.resolve()), fixed,
                                   out / report.ROBUSTNESS_DIR, args, seed=args.seed) is not None
    page = report.build(out)
    print(report.headline_text(analysis.load(out)))
    print(f"\n{summary['total']} runs in {summary['seconds']:.0f} s ({summary['runs_per_minute']} runs/min); "
          f"report: {page}\nsummary: {out / 'summary.csv'}; figures: {out / 'figures'}/")
    if args.robustness and robust_ok:
        print(f"robustness: {args.robustness} worlds in {out / report.ROBUSTNESS_DIR / 'robustness.csv'}")
    return 0 if robust_ok else 1


def cmd_report(args: argparse.Namespace) -> int:
    """``regsim report DIR``."""
    from regsim.files import check_writable
    from regsim.reporting import report

    check_writable(args.dir, "report")
    page = report.build(args.dir)
    print(f"report: {page}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """``regsim bench``."""
    import json

    from regsim import files
    from regsim.studies import bench

    if args.repeats < 1 or args.leak_runs < 0:
        raise RegsimError("--repeats must be 1 or more and --leak-runs 0 or more")
    if args.json not in (None, "-"):
        files.check_file(args.json, _is_bench_json, "a regsim bench JSON file", "--json")
    result = bench.run(args.scale, args.repeats, args.leak_runs)
    if args.json == "-":
        print(json.dumps(result, indent=2))
        return 0
    print(bench.format_report(result))
    if args.json:
        files.write_text(args.json, json.dumps(result, indent=2) + "\n")
        print(f"\nJSON: {args.json}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``regsim validate``."""
    from regsim import scenario as scenario_mod
    from regsim.data import loader
    from regsim.model.simulation import run_one
    from regsim.rng import replication_seeds
    from regsim.studies import validation

    if args.replications < 1:
        raise RegsimError(f"--replications: {args.replications} is not allowed; use 1 or more")
    scen = scenario_mod.load(args.scenario, args.overrides)
    _check_files_out(args.out, VALIDATE_FILES, "regsim validate")
    params = validation.validation_params(scen.params)
    runs = [run_one(params, seed, scen.name) for seed in replication_seeds(DEFAULT_SEED, args.replications)]
    table = validation.validate(runs, validation.targets(loader.load_kyrgyz_data()))
    path = args.out / "validation.csv"
    _write_files(args.out, VALIDATE_FILES, {path.name: lambda p: table.to_csv(p, index=False)})
    with pd_options():
        print(table[["target", "year", "observed", "simulated_median", "p10", "p90", "tolerance", "ok", "kind"]]
              .to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    met = int(table.ok.sum())
    by_kind = table.groupby("kind").ok.agg(["sum", "count"])
    parts = ", ".join(f"{kind} {int(r['sum'])}/{int(r['count'])}" for kind, r in by_kind.iterrows())
    print(f"\n{met} of {len(table)} targets met ({parts}); {args.replications} replications of {scen.name}; "
          f"written to {path}")
    return 0


def pd_options():
    """Wide pandas printing for tables in the terminal."""
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_colwidth", 60)


def cmd_elasticity(args: argparse.Namespace) -> int:
    """``regsim elasticity``."""
    from regsim import scenario as scenario_mod
    from regsim.rng import replication_seeds
    from regsim.studies import elasticity

    if args.replications < 1:
        raise RegsimError(f"--replications: {args.replications} is not allowed; use 1 or more")
    if not 0 < args.increase <= 1:
        raise RegsimError(f"--increase: {args.increase} is not allowed; use a fraction in (0, 1]")
    scen = scenario_mod.load(args.scenario, args.overrides)
    table = elasticity.measure(scen.params, replication_seeds(DEFAULT_SEED, args.replications), args.increase)
    with pd_options():
        print(elasticity.summary(table).round(4).to_string(index=False))
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``regsim sensitivity``."""
    from regsim.reporting import plots
    from regsim.scenario import locate
    from regsim.studies import sensitivity

    pair = tuple(s.strip() for s in args.strategies.split(","))
    if len(pair) != 2:
        raise RegsimError(f"--strategies: expected two strategies A,B, got {args.strategies!r}")
    fixed = _fixed(args, {"time.end_year": 2035, "scale.household_weight": 20})
    n = args.trajectories if args.method == "morris" else args.n
    table = sensitivity.experiment_table(args.method, n, pair, str(locate(args.scenario).resolve()), fixed)
    out = args.out or Path("results") / f"sensitivity-{args.method}"
    _check_batch_out(out)
    if _run_experiment(table, out, args) is None:
        return 1
    ranges = sensitivity.plausible_ranges()
    x, diff = sensitivity.differences(out, pair, ranges)
    result = sensitivity.analyse(args.method, x, diff, ranges)
    _write_csv(result, out / "sensitivity.csv")
    key = "mu_star" if args.method == "morris" else "ST"
    conf = f"{key}_conf"
    fig, axes = plots.new_figure(ncols=len(sensitivity.OUTCOMES), width=15, height=4.5)
    for ax, outcome in zip(axes, sensitivity.OUTCOMES, strict=True):
        part = result[result.outcome == outcome].assign(lo=lambda f: f[key] - f[conf], hi=lambda f: f[key] + f[conf])
        plots.plot_bars(part, key, "parameter", error=("lo", "hi"), ax=ax, xlabel=key)
        ax.set_title(f"{pair[0]} - {pair[1]}: {outcome}", fontsize=9)
    plots.save(fig, out, "sensitivity")
    plots.close_all()
    with pd_options():
        print(result.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    top = result[result.outcome == "gdp_per_capita_som"].parameter.head(5).tolist()
    print(f"\ntop five for GDP per person ({pair[0]} - {pair[1]}): {', '.join(top)}\n"
          f"written: {out / 'sensitivity.csv'}, {out / 'sensitivity.png'}")
    return 0


def _robustness_strategies(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """Strategies for a robustness run from ``A,B,...`` (``default`` if None), with ``none`` first if absent."""
    from regsim.params import STRATEGIES

    strategies = tuple(s.strip() for s in text.split(",") if s.strip()) if text is not None else default
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise RegsimError(f"--strategies: unknown {unknown[0]!r}; allowed: {', '.join(STRATEGIES)}")
    return strategies if "none" in strategies else ("none", *strategies)


def _check_worlds(n: int, option: str) -> None:
    """Raise a one-line error unless ``n`` is a usable number of robustness worlds."""
    from regsim.studies.robustness import MIN_WORLDS

    if n < MIN_WORLDS:
        raise RegsimError(f"{option}: {n} is not allowed; use {MIN_WORLDS} or more worlds")


def run_robustness(n: int, strategies: tuple[str, ...], scenario: str, fixed: dict, out: Path,
                   args: argparse.Namespace, seed: int | None = None) -> pd.DataFrame | None:
    """Run ``strategies`` (``none`` among them) in ``n`` Latin-hypercube worlds into ``out``.

    Writes ``out/robustness.csv`` (shares of worlds as fractions 0-1, GDP regret in som per person,
    poverty regret in percentage points) and ``out/robustness.png``/``.svg``; ``args`` gives the
    executor, workers and quiet options. Returns the table, or None (after a message) if runs failed.
    """
    from regsim.reporting import plots
    from regsim.studies import robustness

    _check_worlds(n, "--n")
    _check_batch_out(out)
    table = robustness.experiment_table(n, strategies, scenario, fixed,
                                        seed=robustness.DEFAULT_SEED if seed is None else seed)
    if _run_experiment(table, out, args) is None:
        return None
    result = robustness.table(robustness.world_outcomes(out))
    _write_csv(result, out / "robustness.csv")
    plots.save(plots.plot_robustness(result), out, "robustness")
    plots.close_all()
    return result


def cmd_robustness(args: argparse.Namespace) -> int:
    """``regsim robustness``."""
    from regsim.scenario import locate
    from regsim.studies.robustness import DEFAULT_STRATEGIES, SCREEN_SETTINGS

    strategies = _robustness_strategies(args.strategies, DEFAULT_STRATEGIES)
    fixed = _fixed(args, SCREEN_SETTINGS)
    result = run_robustness(args.n, strategies, str(locate(args.scenario).resolve()), fixed, args.out, args)
    if result is None:
        return 1
    with pd_options():
        print(result.to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
    print(f"\n{args.n} worlds; written: {args.out / 'robustness.csv'}, {args.out / 'robustness.png'}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``regsim calibrate``."""
    from regsim import scenario as scenario_mod
    from regsim.data import loader
    from regsim.studies import calibration

    if args.max_evaluations < 5:
        raise RegsimError(f"--max-evaluations: {args.max_evaluations} is too few; use 5 or more")
    scen = scenario_mod.load(args.scenario, args.overrides)
    _check_files_out(args.out, CALIBRATE_FILES, "regsim calibrate")
    parameters, fit = calibration.calibrate(scen.params, loader.load_kyrgyz_data(), args.max_evaluations)
    # a named scenario is inherited by name (the file works on any machine); a file by its full path
    named = scenario_mod.available().get(args.scenario)
    parent = args.scenario if named is not None else str(Path(args.scenario).resolve())
    overrides = {key: calibration.toml_value(value)
                 for key, value in (scenario_mod.parse_override(text) for text in args.overrides)}
    toml_text = calibration.scenario_text(parent, parameters, overrides)
    _write_files(args.out, CALIBRATE_FILES, {
        "calibration.csv": lambda p: parameters.to_csv(p, index=False),
        "fit.csv": lambda p: fit.to_csv(p, index=False),
        "calibrated.toml": lambda p: p.write_text(toml_text, encoding="utf-8")})
    with pd_options():
        print(parameters.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
        print()
        print(fit.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    print(f"\n{int(fit.ok_after.sum())} of {len(fit)} base-year targets within tolerance after the fit; "
          f"use it: regsim run {args.out / 'calibrated.toml'}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """``regsim scenarios``."""
    from regsim import scenario as scenario_mod

    known = scenario_mod.available()
    width = max((len(n) for n in known), default=0)
    for name, path in known.items():
        description = scenario_mod.read_toml(path).get("description", "")
        print(f"{name:<{width}}  {description}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """``regsim show``: the resolved parameters as TOML."""
    from regsim import scenario as scenario_mod
    from regsim.params import to_dict

    scen = scenario_mod.load(args.scenario, args.overrides)
    print(f"# scenario {scen.name} ({scen.path})")
    if scen.description:
        print(f"description = {scen.description!r}")
    for section, values in to_dict(scen.params).items():
        print(f"\n[{section}]")
        for key, value in values.items():
            if value is None:
                print(f"# {key} = (not set)")
            elif isinstance(value, str):
                print(f'{key} = "{value}"')
            elif isinstance(value, bool):
                print(f"{key} = {str(value).lower()}")
            else:
                print(f"{key} = {value!r}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """``regsim params``."""
    from regsim.params import describe

    for row in describe():
        lo, hi = row["bounds"]
        rng = f"[{'' if lo is None else f'{lo:g}'}, {'' if hi is None else f'{hi:g}'}]"
        if row["choices"]:
            rng = "{" + ", ".join(row["choices"]) + "}"
        plausible = f" plausible {row['plausible'][0]:g}-{row['plausible'][1]:g};" if row["plausible"] else ""
        print(f"{row['key']} = {row['default']!r} {row['unit']} {rng};{plausible} {row['source']}")
    return 0


COMMANDS = {"run": cmd_run, "batch": cmd_batch, "compare": cmd_compare, "report": cmd_report, "bench": cmd_bench,
            "validate": cmd_validate, "sensitivity": cmd_sensitivity, "elasticity": cmd_elasticity,
            "robustness": cmd_robustness, "calibrate": cmd_calibrate,
            "scenarios": cmd_scenarios, "show": cmd_show, "params": cmd_params}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``regsim`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        status = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe (regsim params | head -1) surfaces here, not at exit
        return status
    except BrokenPipeError:  # the reader went away: stop quietly, as other command-line tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit must not fail again
        return 141  # 128 + SIGPIPE, the status of a tool killed by a closed pipe
    except RegsimError as err:  # a user mistake: one line, no traceback
        print(f"regsim: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        if err.errno not in DISK_ERRNOS:
            raise
        print(f"regsim: error: {err.filename or 'a file'}: {err.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("regsim: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
