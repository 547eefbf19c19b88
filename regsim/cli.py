"""The ``regsim`` command: the only place that prints or chooses paths.

Each subcommand is three small pieces: ``_add_<command>(sub)`` declares its arguments,
``cmd_<command>(args)`` calls the one function of the layer that does the work (``regsim.model``,
``regsim.batch``, ``regsim.studies``, ``regsim.reporting``) and prints, and an entry in ``COMMANDS``
names it. Adding a subcommand touches only these three places.

Every user mistake (``RegsimError``) becomes one line on stderr and exit status 2, with no
traceback and no partial output left behind.
"""

from __future__ import annotations

import argparse
import errno
import math
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from regsim import __version__
from regsim.errors import RegsimError
from regsim.i18n import _
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
      regsim explore                               a local web app: move the levers, watch the map

    strategies: none, equalisation_uniform, equalisation_needs, concentrated,
      concentrated_hinterland, concept_two_stage, hybrid, cash_transfers (the people-based benchmark),
      custom (policy.custom_weights_csv)
    outputs: --out is a new or empty folder or one of regsim's own results (resumed or replaced); regsim
      never deletes, replaces or mixes into anything else, and checks this before any work starts
    docs: docs/ODD.md (the model), docs/validation.md (fit to data), docs/cluster.md (batches)
""")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"regsim: error: {one_line(message)} (see 'regsim --help')\n")


_CONTROL = {code: repr(chr(code))[1:-1] for code in (*range(32), 127)}


def one_line(message: str) -> str:
    """An error message as one printable line: control characters a user typed are shown escaped."""
    return message.translate(_CONTROL)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``regsim`` command: one ``_add_<command>`` per subcommand, in help order."""
    parser = _Parser(prog="regsim", description="Agent-based simulation of regional policy in the "
                     "Kyrgyz Republic: concentrated support of 20 growth centres versus equalisation "
                     "under one budget.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"regsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in (_add_run, _add_batch, _add_compare, _add_report, _add_export, _add_explore, _add_optimise,
                _add_discover, _add_bench, _add_validate, _add_elasticity, _add_convergence, _add_sensitivity,
                _add_robustness, _add_calibrate, _add_scenarios, _add_show, _add_params):
        add(sub)
    return parser


def _add_run(sub: argparse._SubParsersAction) -> None:
    """``regsim run``: one scenario into a run folder."""
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


def _add_batch(sub: argparse._SubParsersAction) -> None:
    """``regsim batch``: an experiment file into a batch folder."""
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
    batch.add_argument("--allow-large", action="store_true",
                       help="run a design of more than 100,000 runs (refused without it)")
    batch.add_argument("--quiet", action="store_true", help="no progress bar and no start line")
    batch.add_argument("--dry-run", action="store_true",
                       help="check the experiment, its design and --out and count its runs; run and write nothing")


def _add_compare(sub: argparse._SubParsersAction) -> None:
    """``regsim compare``: every strategy, the headline table and the report."""
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
    compare.add_argument("--replications", default="10", metavar="N|auto",
                         help="replications per strategy (default 10), or auto: rounds of 10 more (common seeds) "
                         "until every headline pairwise difference is decided or --max-replications is reached")
    compare.add_argument("--max-replications", type=int, default=50, metavar="N",
                         help="cap of --replications auto (default 50)")
    compare.add_argument("--confidence", type=float, default=0.9,
                         help="confidence of the paired Student-t intervals (default 0.9); with auto, spread "
                         "over the planned looks")
    compare.add_argument("--discount-rate", type=float, default=0.05,
                         help="real discount rate per year for the present value of GDP (default 0.05)")
    compare.add_argument("--practical-threshold", type=float, default=0.1, metavar="SHARE",
                         help="a difference is 'practically equal' when its interval lies inside this share (default "
                         "0.1 = 10%%) of the programme's budget allocated over the period (present value of GDP: of "
                         "its present value; GDP per person: of the budget per person per year) or, for poverty, of "
                         "the smaller of the two strategies' effects versus none; 0: only identical runs")
    compare.add_argument("--correction", choices=["holm", "none"], default="holm",
                         help="family-wise correction of the pairwise verdicts (default holm: Holm's step-down over "
                         "the headline table; with auto, within each look); none: each interval on its own")
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
    _add_lang(compare)
    _add_cluster(compare)


def _add_cluster(parser: argparse.ArgumentParser, dry_run: bool = True) -> None:
    """``--scheduler``, ``--shard`` (and ``--dry-run``) of a command that runs many models as a batch."""
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="an existing Dask scheduler, e.g. tcp://host:8786 (implies --executor dask)")
    parser.add_argument("--shard", default=None, metavar="I/N",
                        help="run only the I-th of N slices of the runs (Slurm job arrays, e.g. "
                        "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT); the tables are made when every shard is done")
    if dry_run:
        parser.add_argument("--dry-run", action="store_true",
                            help="check everything, print the runs and the estimated core-hours; run and write nothing")


def _add_export(sub: argparse._SubParsersAction) -> None:
    """``regsim export``: settlement results as a GIS layer."""
    exp = sub.add_parser("export", help="settlement results as GeoJSON or GeoPackage (one point per settlement)",
                         description="Write one point feature per settlement (WGS 84 longitude/latitude) with its "
                         "world attributes and every settlement metric in one year: the run's values for a run "
                         "folder, the median over replications for a batch or comparison folder (columns "
                         "LABEL/METRIC when it has several labels). Opens in QGIS, ArcGIS, geopandas, kepler.gl.",
                         epilog="examples:\n  regsim export results/run --to run.geojson\n"
                         "  regsim export results/compare-baseline --to compare.gpkg --label concentrated",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    exp.add_argument("dir", type=Path, help="a run folder (regsim run) or a batch folder with settlement results")
    exp.add_argument("--to", type=Path, required=True, metavar="FILE.geojson|FILE.gpkg",
                     help="the file to write (a new file; the suffix chooses the format)")
    exp.add_argument("--year", type=int, default=None, help="year of the metrics (default: the last recorded)")
    exp.add_argument("--label", default=None, help="in a batch: only this label (strategy); default every label")


def _add_explore(sub: argparse._SubParsersAction) -> None:
    """``regsim explore``: the local web app (issue 16)."""
    explore = sub.add_parser("explore", help="a local web app: move the levers and watch the country respond",
                             description="Start the explorer on 127.0.0.1 and print its address. Without DIR, "
                             "every change of a lever runs the choice (and `none`) on the batch executors, cached "
                             "by parameters and seed; with DIR, browse a regsim compare or regsim batch folder "
                             "without running anything. Needs: pip install \"regsim[explore]\".")
    explore.add_argument("dir", nargs="?", type=Path, default=None, help="a compare or batch folder to browse")
    explore.add_argument("--port", type=int, default=None, help="port (default 8765, or a free one if taken)")
    explore.add_argument("--cache", type=Path, default=None,
                         help="run cache folder (default ~/.cache/regsim/explore)")
    explore.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes")
    explore.add_argument("--workers", type=int, default=None, help="worker processes (default: all local cores)")
    _add_lang(explore)


def _add_report(sub: argparse._SubParsersAction) -> None:
    """``regsim report``: rebuild a comparison's report."""
    report = sub.add_parser("report", help="rebuild the report from a comparison results directory")
    report.add_argument("dir", type=Path, help="a directory written by regsim compare (or a batch with 'none')")
    report.add_argument("--pdf", action="store_true",
                        help="also print the report to DIR/report.pdf (A4) with headless Chromium")
    _add_lang(report)


def _add_lang(parser: argparse.ArgumentParser) -> None:
    """``--lang``: the language of the report, the terminal summary and the explorer (regsim.i18n)."""
    from regsim import i18n

    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.SOURCE_LANGUAGE,
                        help="language of the report, the summary and the explorer "
                             "(default en; ru: Russian; ky: Kyrgyz)")


def _add_bench(sub: argparse._SubParsersAction) -> None:
    """``regsim bench``: speed and memory."""
    bench = sub.add_parser("bench", help="measure speed and memory (default and/or full 1:1 scale)",
                           description="Time default runs (best of N) in fresh processes, with Mesa's Boltzmann "
                           "example timed the same way in the same process, interleaved: household-years and firm "
                           "agent-years per second, each phase's share of the step, peak memory, runs per core-hour, "
                           "the speed-up versus Mesa, and a leak check over repeated runs.")
    bench.add_argument("--scale", choices=["default", "full", "both"], default="default",
                       help="default (1 row per 10 households), full (1:1: one row per household, about 2 M rows, "
                       "and one firm agent per enterprise) or both")
    bench.add_argument("--repeats", type=int, default=3, help="best of N for the default scale (default 3)")
    bench.add_argument("--leak-runs", type=int, default=50, help="runs for the leak check (0 to skip; default 50)")
    bench.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a parameter of every measured run, e.g. scale.firm_weight=10; repeatable")
    bench.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                       help="write the figures as one JSON object: to FILE (besides the table), or "
                       "without FILE to standard output instead of the table (for tracking over time)")


def _add_validate(sub: argparse._SubParsersAction) -> None:
    """``regsim validate``: simulated 2017-2025 against the data."""
    validate = sub.add_parser("validate", help="compare simulated 2017-2025 with Kyrgyz data; writes validation.csv",
                              description="Run replications of a scenario to 2025 and compare at least 15 targets "
                              "(2017 base year: calibrated; 2018-2024: out of sample; patterns) with the data, within "
                              "tolerances that follow data quality. Writes validation.csv (target, year, observed, "
                              "simulated median, p10, p90, tolerance, ok, source).")
    validate.add_argument("scenario", nargs="?", default="baseline")
    validate.add_argument("--replications", type=int, default=10, help="replications (default 10)")
    validate.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    validate.add_argument("--out", type=Path, default=Path("results") / "validation", help="output directory")
    validate.add_argument("--shocks", default="covid-2020", metavar="SCENARIO",
                          help="read the 2020-2024 targets off runs of the scenario with this scenario's shocks "
                          "added (default covid-2020; 'none' skips them)")
    validate.add_argument("--executor", choices=["serial", "processes", "dask"], default="serial",
                          help="serial (default, in this process) or through the batch machinery into OUT/runs/ "
                          "(same seeds, same table; resumable)")
    validate.add_argument("--workers", type=int, default=None, help="worker processes (default: all local cores)")
    validate.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_cluster(validate, dry_run=False)



def _add_elasticity(sub: argparse._SubParsersAction) -> None:
    """``regsim elasticity``: the emergent returns on public money (issue 13)."""
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


def _add_convergence(sub: argparse._SubParsersAction) -> None:
    """``regsim convergence``: the headline differences at the default and at halved agent weights (issue 22)."""
    conv = sub.add_parser("convergence", help="the headline paired differences at the default and at halved "
                          "household and firm weights, side by side with intervals",
                          description="Run the comparison's headline strategies on paired seeds twice: at the "
                          "scenario's scale.household_weight and scale.firm_weight, and with both halved (twice the "
                          "rows and agents). Prints every paired difference (GDP per person in the last year, present "
                          "value of GDP, poverty rate, person-years in poverty) of both settings with 90%% t "
                          "intervals, and whether they agree: their gap lies within the half-width of its interval. "
                          "Writes convergence.csv into --out if given. Exit status 1 if any difference disagrees.")
    conv.add_argument("scenario", nargs="?", default="baseline")
    conv.add_argument("--replications", type=int, default=10, help="paired seeds per setting (default 10)")
    conv.add_argument("--strategies", default=None, metavar="A,B,...",
                      help="strategies (default none,concentrated,equalisation_uniform,concept_two_stage)")
    conv.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    conv.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    conv.add_argument("--out", type=Path, default=None, help="folder for convergence.csv (default: none)")


def _add_sensitivity(sub: argparse._SubParsersAction) -> None:
    """``regsim sensitivity``: Morris or Sobol indices of a strategy difference."""
    sens = sub.add_parser("sensitivity", help="Morris or Sobol indices of the difference between two strategies",
                          description="Screen the uncertain parameters (plausible ranges from regsim params) for "
                          "their effect on the last-year difference concentrated minus equalisation_uniform in GDP "
                          "per person, poverty and Theil between oblasts (SALib). Writes sensitivity.csv and "
                          "sensitivity.png/svg into --out; resumable like a batch.")
    sens.add_argument("--method", choices=["morris", "sobol"], default="morris")
    sens.add_argument("--trajectories", type=int, default=10, help="Morris trajectories (default 10)")
    sens.add_argument("--n", type=int, default=64, help="Sobol base sample size (default 64)")
    sens.add_argument("--strategies", default=None, metavar="A,B",
                      help="the difference A minus B (default concentrated,equalisation_uniform; with --from: "
                      "each grid cell on its own)")
    sens.add_argument("--scenario", default="baseline")
    sens.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    sens.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes")
    sens.add_argument("--workers", type=int, default=None)
    sens.add_argument("--out", type=Path, default=None,
                      help="default results/sensitivity-METHOD (with --from: BATCH/sensitivity)")
    sens.add_argument("--quiet", action="store_true")
    sens.add_argument("--from", dest="from_batch", type=Path, default=None, metavar="BATCH_DIR",
                      help="compute the indices from a finished batch whose experiment has a [sample] with method "
                      "sobol (S1, ST, and S2 with second_order = true, each with its confidence interval) or morris; "
                      "nothing is run. The outcome is each --metrics value in the last year (averaged over "
                      "replications); with --strategies A,B the difference A minus B, if the batch's grid varies "
                      "policy.strategy, else each grid cell on its own")
    sens.add_argument("--metrics", default=None, metavar="M1,M2",
                      help="national metrics analysed with --from (default gdp_per_capita_som,poverty_rate,"
                      "theil_between_oblasts; docs/metrics.md lists them)")
    _add_cluster(sens)


def _add_robustness(sub: argparse._SubParsersAction) -> None:
    """``regsim robustness``: strategies across plausible worlds."""
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
    _add_cluster(rob)


def _add_calibrate(sub: argparse._SubParsersAction) -> None:
    """``regsim calibrate``: fit to the 2017 base year."""
    cal = sub.add_parser("calibrate", help="fit uncertain income and labour parameters to the 2017 base year only",
                         description="Fit six parameters (skill dispersion, frictional unemployment, remittance "
                         "share reaching households, consumption smoothing, access to farming or informal work "
                         "in towns and in villages) to 2017 unemployment (national, in Bishkek and Osh city, in "
                         "the seven oblasts), Gini, extreme poverty, remittances/GDP and household income per "
                         "person (bounded least squares, base year only: 2018-2024 stay out of sample). Writes "
                         "calibration.csv, fit.csv and calibrated.toml (a scenario inheriting SCENARIO, with the "
                         "--set values and the fit) into --out.")
    cal.add_argument("scenario", nargs="?", default="baseline")
    cal.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    cal.add_argument("--max-evaluations", type=int, default=150, help="model builds at most (default 150)")
    cal.add_argument("--out", type=Path, default=Path("results") / "calibration")


def _add_scenarios(sub: argparse._SubParsersAction) -> None:
    """``regsim scenarios``: the named scenarios."""
    sub.add_parser("scenarios", help="list the named scenarios with a one-line description")


def _add_show(sub: argparse._SubParsersAction) -> None:
    """``regsim show``: a scenario's resolved parameters."""
    show = sub.add_parser("show", help="print a scenario's fully resolved parameters")
    show.add_argument("scenario", nargs="?", default="baseline")
    show.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")


def _add_params(sub: argparse._SubParsersAction) -> None:
    """``regsim params``: every parameter."""
    sub.add_parser("params", help="list every parameter with default, unit, range and source")


def _add_optimise(sub: argparse._SubParsersAction) -> None:
    """``regsim optimise``: multi-objective search over allocation levers (issue 17)."""
    opt = sub.add_parser("optimise", help="search allocation rules for the GDP-poverty frontier (NSGA-II)",
                         description="Search the allocation levers of an optimisation file (experiments/"
                         "optimise-allocation.toml: [levers], [objectives], [constraints], [search]) with NSGA-II "
                         "(pymoo); every candidate runs on the same seeds as none and the named strategies, through "
                         "the batch executors, each (parameters, seed) once (re-running resumes). Writes pareto.csv, "
                         "named.csv, evaluations.csv, pareto.png, optimise.md and pareto/pareto-NN.toml into --out.")
    opt.add_argument("experiment", nargs="?", default="optimise-allocation", help="optimisation file (name or path)")
    opt.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a model parameter for every run, e.g. time.end_year=2030")
    opt.add_argument("--robust", type=int, default=None, metavar="N",
                     help="evaluate each candidate in N plausible worlds; objectives become mean and worst regret")
    opt.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes")
    opt.add_argument("--workers", type=int, default=None)
    opt.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="an existing Dask scheduler")
    opt.add_argument("--out", type=Path, default=Path("results") / "optimise")
    opt.add_argument("--quiet", action="store_true")


def _add_discover(sub: argparse._SubParsersAction) -> None:
    """``regsim discover``: PRIM scenario discovery on a robustness or sensitivity batch (issue 17)."""
    dis = sub.add_parser("discover", help="under which beliefs does strategy A beat B? (PRIM on a robustness batch)",
                         description="From a regsim robustness or sensitivity batch folder, find with PRIM (EMA "
                         "Workbench) the box of uncertain parameters in which strategy A beats B on an outcome; "
                         "writes discover.md (a sentence with density and coverage), box.csv, trajectory.csv and "
                         "discover.png (peeling trajectory) into --out.")
    dis.add_argument("batch", type=Path, help="a robustness or sensitivity results folder")
    dis.add_argument("--strategies", default="concentrated,equalisation_uniform", metavar="A,B",
                     help="A beats B (default concentrated,equalisation_uniform)")
    dis.add_argument("--outcome", default="gdp_per_capita_end",
                     help="gdp_per_capita_end (default), gdp_pv, poverty_rate_end, poverty_person_years, "
                     "theil_between_end")
    dis.add_argument("--margin", type=float, default=0.0, help="A must be better by more than this (outcome units)")
    dis.add_argument("--min-density", type=float, default=0.8, help="density the chosen box should reach (0-1)")
    dis.add_argument("--out", type=Path, default=None, help="default BATCH/discover")


# ---------------------------------------------------------------- shared by the commands


def pd_options():
    """Wide pandas printing for tables in the terminal."""
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_colwidth", 60)


def _print_table(frame: pd.DataFrame, float_format: Callable[[float], str]) -> None:
    with pd_options():
        print(frame.to_string(index=False, float_format=float_format))


def _fixed(args: argparse.Namespace, defaults: dict) -> dict:
    """Overrides for every run: ``defaults`` then the user's ``--set`` values."""
    from regsim.scenario import parse_override

    return {**defaults, **dict(parse_override(text) for text in args.overrides)}


def _executor(args: argparse.Namespace) -> dict[str, Any]:
    """The executor options of a batch-based command (with ``--scheduler`` and ``--shard`` where it has them)."""
    options = {"executor": args.executor, "workers": args.workers, "progress": not args.quiet}
    for name in ("scheduler", "shard"):
        if getattr(args, name, None) is not None:
            options[name] = getattr(args, name)
    return options


def _dry_run(table: dict[str, Any], out: Path, args: argparse.Namespace) -> int:
    """``--dry-run`` of a study: check its experiment and ``out``, print runs and estimated core-hours."""
    from regsim.batch import run_batch
    from regsim.batch.experiment import parse

    exp = parse(table, None)
    summary = run_batch(exp, out, executor="dask" if args.scheduler else args.executor,
                        workers=args.workers or 1, scheduler=args.scheduler, shard=args.shard, dry_run=True)
    print(dry_run_line(exp.name, summary, out, args.shard))
    return 0


def dry_run_line(name: str, summary: dict[str, Any], out: Path, shard: str | None) -> str:
    """One line: runs, runs in this shard, and the estimated core-hours (from ``regsim bench``)."""
    where = f" ({summary['in_slice']:,} in shard {shard}, {summary['core_hours_in_slice']:,} core-hours)" \
        if shard else ""
    return (f"{name}: {summary['total']:,} runs{where}, about {summary['seconds_per_run']:.2f} s each: "
            f"{summary['core_hours']:,} core-hours in all (estimate from regsim bench), into {out}; "
            "checked, nothing run or written (--dry-run)")


def _shard_pending(incomplete: Any, what: str) -> int:
    """A shard finished its runs while others are still to run: say so; the analysis waits (status 0)."""
    summary = incomplete.summary
    print(f"shard {summary.get('shard')}: {summary['ran']} runs done now; {summary['pending_total']} run(s) of other "
          f"shards still to run in {incomplete.out}; {what} is made by the shard that finishes last (or by the same "
          "command without --shard)")
    return 0


def _interrupted(out: Path) -> int:
    """Ctrl-C in a batch: say what was kept (complete runs are never lost) and how to resume."""
    from regsim.batch import store

    state = store.progress(out)
    if state is None:
        print("regsim: interrupted; nothing was written", file=sys.stderr)
    else:
        print(f"regsim: interrupted; {state[0]} of {state[1]} runs finished and kept in {out}; "
              "run the same command again to resume", file=sys.stderr)
    return 130


def _runs_failed(failed: int, out: Path) -> None:
    print(f"regsim: {failed} run(s) failed; see {out}/design.parquet (status, error) and {out}/failed/",
          file=sys.stderr)


def _in_batch(out: Path, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``work(*args, **kwargs)``, which runs a batch into ``out``; None (after a message) if runs failed.

    Ctrl-C says what was kept and exits with status 130.
    """
    from regsim.batch import BatchIncomplete, RunsFailed

    try:
        return work(*args, **kwargs)
    except KeyboardInterrupt:
        _interrupted(out)
        raise SystemExit(130) from None
    except BatchIncomplete as incomplete:
        raise SystemExit(_shard_pending(incomplete, "the analysis")) from None
    except RunsFailed as failed:
        _runs_failed(failed.summary["failed_total"], failed.out)
        return None



def _check_batch_out(out: Path, option: str = "--out") -> None:
    """Refuse, before any run, an output folder that is not new, empty or a regsim batch (resumed)."""
    from regsim.batch.store import check_batch_folder

    check_batch_folder(out, option)


def _check_worlds(n: int, option: str) -> None:
    """Raise a one-line error unless ``n`` is a usable number of robustness worlds."""
    from regsim.studies.robustness import check_worlds

    check_worlds(n, option)


def run_robustness(n: int, strategies: tuple[str, ...], scenario: str, fixed: dict, out: Path,
                   args: argparse.Namespace, seed: int | None = None) -> pd.DataFrame | None:
    """:func:`regsim.studies.robustness.run` with ``args``' executor options; None (after a message) if runs failed."""
    from regsim.studies import robustness

    return _in_batch(out, robustness.run, n, strategies, scenario, fixed, out, **_executor(args),
                     seed=robustness.DEFAULT_SEED if seed is None else seed)


# ---------------------------------------------------------------- the commands


def cmd_run(args: argparse.Namespace) -> int:
    """``regsim run``."""
    from regsim import scenario as scenario_mod
    from regsim.model.simulation import run_to_folder
    from regsim.reporting.summary import headline_table

    scen = scenario_mod.load(args.scenario, args.overrides)
    out = args.out or Path("results") / f"{scen.name}-{scen.params.policy.strategy}-seed{args.seed}"
    command = " ".join(["regsim", *sys.argv[1:]]) if sys.argv else "regsim run"
    result = run_to_folder(scen.params, args.seed, scen.name, out, overwrite=args.overwrite,
                           progress=not args.quiet and sys.stderr.isatty(),
                           meta={"overrides": list(args.overrides), "command": command})
    if args.quiet:
        print(out)
        return 0
    print(f"regsim {__version__}: scenario {scen.name!r}, strategy {scen.params.policy.strategy}, "
          f"seed {args.seed}, {result.meta['model_seconds']:.2f} s")
    print(headline_table(result) + f"\n\nresults: {out}/ (national, oblasts, settlements, world .parquet; run.json)")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """``regsim batch``."""
    from regsim.batch import default_workers, run_batch
    from regsim.batch.experiment import load
    from regsim.batch.runner import DesignTooLargeError

    exp = load(args.experiment)
    executor = "dask" if args.scheduler else args.executor
    try:
        summary = run_batch(exp, args.out, executor=executor, workers=default_workers(args.workers),
                            scheduler=args.scheduler, shard=args.shard, progress=not args.quiet,
                            allow_large=args.allow_large, announce=None if args.quiet else print,
                            dry_run=args.dry_run)
    except KeyboardInterrupt:
        return _interrupted(args.out)
    except DesignTooLargeError as err:  # only regsim batch has the option
        raise RegsimError(f"{err}, or pass --allow-large to go ahead") from None
    if args.dry_run:
        print(dry_run_line(exp.name, summary, args.out, args.shard))
        return 0
    print(f"{exp.name}: {summary['ran']} runs done now, {summary['failed']} failed, "
          f"{summary['already_complete']} already complete ({summary['seconds']:.1f} s, "
          f"{summary['runs_per_minute']} runs/min on {executor}); "
          f"{summary['done_total']}/{summary['total']} complete in {args.out}")
    if summary["unreadable"]:
        print(f"regsim: skipped {len(summary['unreadable'])} unreadable file(s) in the EMA export: "
              f"{', '.join(summary['unreadable'])}", file=sys.stderr)
    if summary["failed_total"]:
        _runs_failed(summary["failed_total"], args.out)
        return 1
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``regsim compare``: run the comparison (in rounds with ``--replications auto``), print the verdicts, report."""
    from regsim.batch.compare import run_comparison
    from regsim.reporting import analysis, report
    from regsim.scenario import locate

    settings = _compare_settings(args, locate(args.scenario))
    out = args.out or Path("results") / f"compare-{Path(settings.scenario).stem}"
    _check_batch_out(out)
    if args.robustness:
        _check_worlds(args.robustness, "--robustness")
        _check_batch_out(out / report.ROBUSTNESS_DIR, "--out (its robustness/ folder)")
        if args.shard:
            raise RegsimError("--robustness: not with --shard; run regsim robustness --shard on its own folder")
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    executor = "dask" if args.scheduler else args.executor
    try:
        result = run_comparison(settings, out, executor, workers, progress=not args.quiet, scheduler=args.scheduler,
                                shard=args.shard, dry_run=args.dry_run)
    except KeyboardInterrupt:
        return _interrupted(out)
    if result.dry_run is not None:
        print(dry_run_line(f"compare-{Path(settings.scenario).stem}", result.dry_run, out, args.shard))
        return 0
    if not result.ok:
        print(_("regsim: run(s) failed; see {design} (status, error) and {failed}/").format(
            design=out / "design.parquet", failed=out / "failed"), file=sys.stderr)
        return 1
    if not result.complete:
        print(_("shard {shard}: {done} runs done now; {pending} run(s) of other shards still to run in {out}; the "
                "report is made by the shard that finishes last (or by the same command without --shard)").format(
            shard=args.shard, done=result.runs_done_now, pending=result.pending, out=out))
        return 0
    robust_ok = not args.robustness or run_robustness(
        args.robustness, tuple(s for s in settings.strategies if s != "hybrid"), settings.scenario,
        settings.fixed, out / report.ROBUSTNESS_DIR, args, seed=args.seed) is not None
    page = report.build(out)
    print(report.terminal_text(analysis.load(out)))
    written = _("report: {page}\nsummary: {summary}, pairwise: {pairwise}, distance bands: {bands}; "
                "figures: {figures}/")
    print("\n" + result.message(settings) + "\n" + written.format(
        page=page, summary=out / "summary.csv", pairwise=out / "pairwise.csv", bands=out / "distance_bands.csv",
        figures=out / "figures"))
    if args.robustness and robust_ok:
        print(_("robustness: {n} worlds in {path}").format(n=args.robustness,
                                                           path=out / report.ROBUSTNESS_DIR / "robustness.csv"))
    return 0 if robust_ok else 1


def _compare_settings(args: argparse.Namespace, scenario: Path):
    """The ``CompareSettings`` of ``regsim compare`` from its options (one-line errors)."""
    from regsim.batch.compare import CompareSettings
    from regsim.params import STRATEGIES

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
    text = str(args.replications).strip().lower()
    if text == "auto":
        replications = None
    else:
        try:
            replications = int(text)
        except ValueError:
            raise RegsimError(f"--replications: expected a whole number or auto, got {args.replications!r}") from None
    settings = CompareSettings(scenario=str(scenario.resolve()), strategies=tuple(strategies),
                               hybrid_shares=tuple(shares), replications=replications,
                               max_replications=args.max_replications, seed=args.seed, fixed=_fixed(args, {}),
                               confidence=args.confidence, discount_rate=args.discount_rate,
                               practical_share=args.practical_threshold, correction=args.correction)
    settings.check()
    return settings


def cmd_explore(args: argparse.Namespace) -> int:
    """``regsim explore [DIR]``."""
    from regsim.explore import serve
    from regsim.explore.runs import stale_note

    what = f"browsing {args.dir}" if args.dir else "live runs"
    note = None if args.dir else stale_note(args.cache)
    if note:
        print(f"regsim explore: {note}", file=sys.stderr)
    return serve(args.dir, port=args.port, cache=args.cache, executor=args.executor, workers=args.workers,
                 lang=args.lang,
                 announce=lambda url: print(f"regsim explore: open {url}  ({what}; Ctrl-C stops)", flush=True))


def cmd_export(args: argparse.Namespace) -> int:
    """``regsim export DIR --to FILE``."""
    from regsim.reporting import export

    if args.to.exists():
        raise RegsimError(f"--to {args.to}: exists; regsim replaces nothing it did not make, choose a new file")
    path = export.export(args.dir, args.to, args.year, args.label)
    print(f"exported {args.dir} to {path}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``regsim report DIR``."""
    from regsim.files import check_writable
    from regsim.reporting import report

    check_writable(args.dir, "report")
    page = report.build(args.dir)
    print(_("report: {page}").format(page=page))
    if args.pdf:
        from regsim.reporting import pdf

        print(_("pdf: {path}").format(path=pdf.print_pdf(page, args.dir / "report.pdf")))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """``regsim bench``."""
    import json

    from regsim.studies import bench

    result = bench.measure(args.scale, args.repeats, args.leak_runs, args.json, args.overrides)
    if args.json == "-":
        print(json.dumps(result, indent=2))
        return 0
    print(bench.format_report(result))
    if args.json:
        print(f"\nJSON: {args.json}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``regsim validate``."""
    from regsim.studies import validation

    table = _in_batch(args.out, validation.run, args.scenario, args.overrides, args.replications, args.out,
                      args.shocks, **_executor(args))
    if table is None:
        return 1
    _print_table(table[["target", "year", "observed", "simulated_median", "p10", "p90", "tolerance", "ok", "kind"]],
                 lambda v: f"{v:,.2f}")
    by_kind = table.groupby("kind").ok.agg(["sum", "count"])
    parts = ", ".join(f"{kind} {int(r['sum'])}/{int(r['count'])}" for kind, r in by_kind.iterrows())
    print(f"\n{int(table.ok.sum())} of {len(table)} targets met ({parts}); {args.replications} replications of "
          f"{table.attrs['scenario']}; written to {args.out / 'validation.csv'}")
    return 0


def cmd_elasticity(args: argparse.Namespace) -> int:
    """``regsim elasticity``."""
    from regsim import scenario as scenario_mod
    from regsim.rng import replication_seeds
    from regsim.studies import elasticity

    if args.replications < 1:
        raise RegsimError(f"--replications: {args.replications} is not allowed; use 1 or more")
    if not elasticity.MIN_INCREASE <= args.increase <= 1:
        raise RegsimError(f"--increase: {args.increase} is not allowed; use a fraction in "
                          f"[{elasticity.MIN_INCREASE:g}, 1] (smaller shocks change no agent's decision)")
    scen = scenario_mod.load(args.scenario, args.overrides)
    table = elasticity.measure(scen.params, replication_seeds(DEFAULT_SEED, args.replications), args.increase)
    _print_table(elasticity.summary(table).round(4), lambda v: f"{v:.4g}")
    return 0


def cmd_convergence(args: argparse.Namespace) -> int:
    """``regsim convergence``."""
    from regsim import scenario as scenario_mod
    from regsim.params import STRATEGIES
    from regsim.rng import replication_seeds
    from regsim.studies import convergence

    if args.replications < 2:
        raise RegsimError(f"--replications: {args.replications} is not allowed; use 2 or more (intervals need 2)")
    if args.workers < 1:
        raise RegsimError(f"--workers: {args.workers} is not allowed; use 1 or more")
    strategies = convergence.STRATEGIES if args.strategies is None else tuple(
        s.strip() for s in args.strategies.split(",") if s.strip())
    if bad := [s for s in strategies if s not in STRATEGIES or s == "custom"]:
        raise RegsimError(f"--strategies: {bad[0]!r} is not allowed; use names from "
                          f"{', '.join(s for s in STRATEGIES if s != 'custom')}")
    if len(strategies) < 2:
        raise RegsimError("--strategies: give at least two strategies")
    scen = scenario_mod.load(args.scenario, args.overrides)
    table = convergence.measure(scen.params, replication_seeds(DEFAULT_SEED, args.replications), strategies,
                                args.workers)
    scale = scen.params.scale
    print(f"paired differences A - B, mean [90% t interval], {args.replications} replications; default: households "
          f"1:{scale.household_weight}, firms 1:{scale.firm_weight}; halved: 1:{max(1, scale.household_weight // 2)}, "
          f"1:{max(1, scale.firm_weight // 2)}")
    with pd_options():
        print(convergence.side_by_side(table).to_string(index=False))
    if args.out is not None:
        from regsim import files

        files.make_folders(args.out)
        files.write_text(args.out / "convergence.csv", table.to_csv(index=False))
    print(f"{int(table.agree.sum())} of {len(table)} differences agree within their intervals")
    return 0 if bool(table.agree.all()) else 1


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``regsim sensitivity``."""
    from regsim.scenario import locate
    from regsim.studies import sensitivity

    if args.from_batch is not None:
        return _sensitivity_from(args)
    pair = sensitivity.strategy_pair(args.strategies or "concentrated,equalisation_uniform")
    fixed = _fixed(args, sensitivity.SCREEN_SETTINGS)
    n = args.trajectories if args.method == "morris" else args.n
    out = args.out or Path("results") / f"sensitivity-{args.method}"
    scenario = str(locate(args.scenario).resolve())
    if args.dry_run:
        return _dry_run(sensitivity.experiment_table(args.method, n, pair, scenario, fixed), out, args)
    result = _in_batch(out, sensitivity.run, args.method, n, pair, scenario, fixed, out, **_executor(args))
    if result is None:
        return 1
    _print_table(result, lambda v: f"{v:.4g}")
    top = result[result.outcome == "gdp_per_capita_som"].parameter.head(5).tolist()
    print(f"\ntop five for GDP per person ({pair[0]} - {pair[1]}): {', '.join(top)}\n"
          f"written: {out / 'sensitivity.csv'}, {out / 'sensitivity.png'}")
    return 0


def _sensitivity_from(args: argparse.Namespace) -> int:
    """``regsim sensitivity --from BATCH_DIR``: indices of a finished Sobol or Morris batch; nothing runs."""
    from regsim import files
    from regsim.studies import sensitivity

    batch = args.from_batch
    pair = sensitivity.strategy_pair(args.strategies) if args.strategies else None
    metrics = tuple(m.strip() for m in args.metrics.split(",") if m.strip()) if args.metrics else sensitivity.OUTCOMES
    out = args.out or batch / "sensitivity"
    files.check_command_folder(out, frozenset({"sensitivity.csv", "sensitivity_s2.csv"}), "regsim sensitivity --from")
    indices, second = sensitivity.from_batch(batch, pair, metrics)
    out.mkdir(parents=True, exist_ok=True)
    files.write_csv(indices, out / "sensitivity.csv")
    written = [out / "sensitivity.csv"]
    if not second.empty:
        files.write_csv(second, out / "sensitivity_s2.csv")
        written.append(out / "sensitivity_s2.csv")
    _print_table(indices, lambda v: f"{v:.4g}")
    print(f"\n{sensitivity.method_of(batch)} indices of {batch}; written: {', '.join(map(str, written))}")
    return 0


def cmd_robustness(args: argparse.Namespace) -> int:
    """``regsim robustness``."""
    from regsim.scenario import locate
    from regsim.studies import robustness

    strategies = robustness.parse_strategies(args.strategies)
    fixed = _fixed(args, robustness.SCREEN_SETTINGS)
    if args.dry_run:
        _check_worlds(args.n, "--n")
        return _dry_run(robustness.experiment_table(args.n, strategies, str(locate(args.scenario).resolve()), fixed,
                                                    seed=robustness.DEFAULT_SEED), args.out, args)
    result = run_robustness(args.n, strategies, str(locate(args.scenario).resolve()), fixed, args.out, args)
    if result is None:
        return 1
    _print_table(result, lambda v: f"{v:,.3g}")
    print(f"\n{args.n} worlds; written: {args.out / 'robustness.csv'}, {args.out / 'robustness.png'}")
    return 0


def cmd_optimise(args: argparse.Namespace) -> int:
    """``regsim optimise``."""
    from regsim.studies import optimise

    spec = optimise.load(args.experiment, robust=args.robust, settings=args.overrides)
    _check_optimise_out(args.out)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    result = optimise.run(spec, args.out, args.executor, workers, args.scheduler,
                          announce=None if args.quiet else (lambda line: print(line, file=sys.stderr)))
    with pd_options():
        print(result["pareto"].to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    print(f"\n{result['text']}\nwritten: {args.out}/pareto.csv, named.csv, pareto.png, optimise.md, pareto/*.toml")
    return 0


def _check_optimise_out(out: Path) -> None:
    from regsim import files

    files.check_folder(out, lambda p: (p / "optimise.json").is_file(), "a regsim optimise folder (optimise.json)")


def cmd_discover(args: argparse.Namespace) -> int:
    """``regsim discover``."""
    from regsim.studies import discover

    pair = tuple(s.strip() for s in args.strategies.split(","))
    if len(pair) != 2 or not all(pair):
        raise RegsimError(f"--strategies: expected two strategies A,B, got {args.strategies!r}")
    if not 0 < args.min_density <= 1:
        raise RegsimError(f"--min-density {args.min_density}: use a share in (0, 1]")
    if not math.isfinite(args.margin):
        raise RegsimError(f"--margin {args.margin}: use a finite number in the outcome's units, e.g. 0")
    from regsim import files

    out = args.out or args.batch / "discover"
    files.check_command_folder(out, frozenset(discover.FILES), "regsim discover")
    found, text = discover.run(args.batch, pair[0], pair[1], args.outcome, args.margin, args.min_density)
    discover.write(found, text, out, f"{pair[0]} beats {pair[1]} on {args.outcome}")
    print(f"{text}\nwritten: {out}/discover.md, box.csv, trajectory.csv, discover.png")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``regsim calibrate``."""
    from regsim.studies import calibration

    parameters, fit = calibration.run(args.scenario, args.overrides, args.max_evaluations, args.out)
    _print_table(parameters, lambda v: f"{v:,.4g}")
    print()
    _print_table(fit, lambda v: f"{v:,.2f}")
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

    print(scenario_mod.resolved_toml(scenario_mod.load(args.scenario, args.overrides)))
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
            "export": cmd_export,
            "explore": cmd_explore, "elasticity": cmd_elasticity, "convergence": cmd_convergence,
            "validate": cmd_validate, "sensitivity": cmd_sensitivity,
            "robustness": cmd_robustness, "calibrate": cmd_calibrate,
            "scenarios": cmd_scenarios, "show": cmd_show, "params": cmd_params,
            "optimise": cmd_optimise, "discover": cmd_discover}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``regsim`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        from regsim import i18n

        with i18n.using(getattr(args, "lang", None)):  # --lang of compare, report and explore
            status = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe (regsim params | head -1) surfaces here, not at exit
        return status
    except BrokenPipeError:  # the reader went away: stop quietly, as other command-line tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit must not fail again
        return 141  # 128 + SIGPIPE, the status of a tool killed by a closed pipe
    except RegsimError as err:  # a user mistake: one line, no traceback
        print(f"regsim: error: {one_line(str(err))}", file=sys.stderr)
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
