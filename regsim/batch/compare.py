"""``regsim compare``: every strategy under one budget, with common seeds, in rounds until the answer is clear.

A comparison is one experiment: one cell per strategy (and per centre share of the hybrid sweep)
crossed with replications; replication k has the same seed in every cell (common random numbers),
so strategy-against-strategy differences are paired. With a fixed number of replications it is
one batch. With ``--replications auto`` the experiment is declared with the cap
(``--max-replications``) and run in rounds of replications ``0 .. k-1`` (k = 10, 20, ...) into the
same directory: the design, seeds and fingerprint are those of the cap in every round (the first
k children of ``SeedSequence.spawn`` do not depend on how many are spawned), so a round extends
what is there, an interrupted round resumes, and a directory of another cap or scenario is refused.
After each round the headline differences (:data:`regsim.reporting.paired.HEADLINE_OUTCOMES`,
every pair of strategies outside the hybrid sweep) are judged; the rounds stop when every one is
decided (ahead either way, or practically equal) or at the cap. Each look spends
``(1 - confidence) / planned looks`` of the error (Bonferroni over looks,
:func:`regsim.reporting.paired.look_confidence`), so stopping when an interval first excludes zero
does not inflate the chance of a spurious verdict; within a look that error is spent over the
headline table with Holm's step-down (Holm-Shaffer, :func:`regsim.reporting.paired.holm`), so the
chance of any spurious headline verdict, over all rows and looks, is at most ``1 - confidence``.
The report and ``pairwise.csv`` read the same family at the same level, so their verdicts are the
ones the stopping rule saw.
``DIR/comparison.json`` records the settings, rounds and why they stopped; the report reads it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

import regsim.reporting.analysis as analysis
import regsim.reporting.paired as paired
from regsim.batch import run_batch, store
from regsim.batch.experiment import parse
from regsim.errors import ExperimentError
from regsim.i18n import _, number
from regsim.params import DEFAULT_SEED

DEFAULT_REPLICATIONS: Final = 10
DEFAULT_MAX_REPLICATIONS: Final = 50
FIRST_ROUND: Final = 10  # replications of the first round of --replications auto
ROUND_SIZE: Final = 10  # replications added per round
MIN_AUTO_REPLICATIONS: Final = 2  # a t interval needs two


@dataclass(frozen=True)
class CompareSettings:
    """What a comparison runs and how it judges differences.

    Attributes:
        scenario: Scenario path (resolved).
        strategies: Strategies compared (``none`` among them), hybrid sweep aside.
        hybrid_shares: Centre shares of the hybrid sweep (fractions 0-1).
        replications: Replications per strategy, or None for ``auto``.
        max_replications: Cap of ``auto``.
        first_round: Replications of the first round of ``auto``.
        round_size: Replications added per round.
        seed: Experiment seed.
        fixed: ``--set`` overrides for every run.
        confidence: Confidence of the paired t intervals (overall, before the per-look adjustment).
        discount_rate: Real discount rate per year of the present value of GDP.
        practical_share: ``--practical-threshold``: a difference is practically nil below this share
            of the programme's budget over the period (GDP) or of the smaller strategy's effect
            versus ``none`` (poverty); see :mod:`regsim.reporting.paired`.
        correction: Family-wise correction of the pairwise verdicts: ``holm`` (Holm-Shaffer step-down
            over the headline table) or ``none``.
    """

    scenario: str
    strategies: tuple[str, ...]
    hybrid_shares: tuple[float, ...] = ()
    replications: int | None = DEFAULT_REPLICATIONS
    max_replications: int = DEFAULT_MAX_REPLICATIONS
    first_round: int = FIRST_ROUND
    round_size: int = ROUND_SIZE
    seed: int = DEFAULT_SEED
    fixed: dict[str, Any] = field(default_factory=dict)
    confidence: float = paired.DEFAULT_CONFIDENCE
    discount_rate: float = paired.DEFAULT_DISCOUNT_RATE
    practical_share: float = paired.DEFAULT_PRACTICAL_SHARE
    correction: str = "holm"

    def check(self) -> None:
        """Raise ``ExperimentError`` (one line) for a setting that cannot be used."""
        if self.replications is not None and self.replications < 1:
            raise ExperimentError(f"--replications: {self.replications} is not allowed; use 1 or more, or auto")
        if self.replications is None and self.max_replications < MIN_AUTO_REPLICATIONS:
            raise ExperimentError(f"--max-replications: {self.max_replications} is not allowed; use "
                                  f"{MIN_AUTO_REPLICATIONS} or more")
        if self.first_round < 1 or self.round_size < 1:
            raise ExperimentError("rounds of --replications auto need at least one replication each")
        if not 0 < self.confidence < 1:
            raise ExperimentError(f"--confidence: {self.confidence} is not allowed; use a value in (0, 1), e.g. 0.9")
        if not 0 <= self.discount_rate < 1:
            raise ExperimentError(f"--discount-rate: {self.discount_rate} is not allowed; use a value in [0, 1), "
                                  "e.g. 0.05")
        if not (0 <= self.practical_share <= 1 and math.isfinite(self.practical_share)):
            raise ExperimentError(f"--practical-threshold: {self.practical_share} is not allowed; use a share in "
                                  "[0, 1] of the programme's budget or effects, e.g. 0.1 (0 = only identical runs)")
        if self.correction not in paired.CORRECTIONS:
            raise ExperimentError(f"--correction: {self.correction!r} is not allowed; use one of "
                                  f"{', '.join(paired.CORRECTIONS)}")

    @property
    def auto(self) -> bool:
        """Whether replications are added in rounds until decided."""
        return self.replications is None

    @property
    def planned(self) -> int:
        """Replications of the experiment: the cap of ``auto``, else the fixed number."""
        return self.max_replications if self.auto else int(self.replications or 0)

    def schedule(self) -> list[int]:
        """Replications after each planned round: ``[10, 20, ..., cap]``, or ``[N]``."""
        if not self.auto:
            return [self.planned]
        first = max(min(self.first_round, self.planned), min(MIN_AUTO_REPLICATIONS, self.planned))
        rounds = list(range(first, self.planned, self.round_size))
        return [*rounds, self.planned] if not rounds or rounds[-1] != self.planned else rounds

    @property
    def interval_confidence(self) -> float:
        """Confidence of each interval: adjusted for the planned looks of ``auto``."""
        return paired.look_confidence(self.confidence, len(self.schedule()))


def experiment_table(settings: CompareSettings) -> dict[str, Any]:
    """The comparison as an experiment table (``regsim.batch.experiment.parse``)."""
    cells: list[dict[str, Any]] = [{"policy.strategy": s} for s in settings.strategies if s != "hybrid"]
    cells += [{"policy.strategy": "hybrid", "policy.centre_share": x} for x in settings.hybrid_shares]
    return {"experiment": {"name": f"compare-{Path(settings.scenario).stem}", "scenario": settings.scenario,
                           "replications": settings.planned, "seed": settings.seed,
                           "outputs": ["national", "oblasts", "settlements"],
                           "settlement_years": "base_and_last", "set": dict(settings.fixed)},
            "cells": cells}


def headline_labels(labels: list[str]) -> list[str]:
    """The labels whose pairs must be decided: every strategy outside the hybrid sweep."""
    return paired.headline_labels(labels)


def judge(out: Path, replications: int, settings: CompareSettings) -> pd.DataFrame:
    """Headline pairwise verdicts on replications ``0 .. replications-1`` of a comparison directory."""
    design = store.read_design(out)
    design = design[design.replication < replications].assign(label=lambda d: analysis.labels_of(d))
    national = store.read_dataset(out, "national")
    national = national.merge(design[["run_id", "label", "replication"]], on="run_id", how="inner")
    outcomes = paired.per_run_outcomes(national, settings.discount_rate)
    return paired.pairwise(outcomes, headline_labels(list(dict.fromkeys(design.label))),
                           settings.interval_confidence, settings.practical_share, paired.HEADLINE_OUTCOMES,
                           correction=settings.correction)


@dataclass
class Rounds:
    """What the rounds did: replications and undecided headline differences after each, and why they stopped."""

    replications: list[int] = field(default_factory=list)
    undecided: list[int] = field(default_factory=list)
    stopped: str = ""  # "decided", "cap", "fixed" or "failed"

    @property
    def final(self) -> int:
        """Replications of the last completed round (0 before any)."""
        return self.replications[-1] if self.replications else 0


def replicate_until_decided(schedule: list[int], run_round: Callable[[int], bool],
                            verdicts: Callable[[int], pd.DataFrame]) -> Rounds:
    """Run rounds of growing replications until every difference is decided or the schedule ends.

    Args:
        schedule: Replications after each round, increasing; the last is the cap.
        run_round: Runs replications ``0 .. k-1`` (skipping complete ones); False if runs failed.
        verdicts: The pairwise table (``regsim.reporting.paired.pairwise``) on ``k`` replications.
    """
    rounds = Rounds()
    for k in schedule:
        if not run_round(k):
            rounds.stopped = "failed"
            return rounds
        table = verdicts(k)
        rounds.replications.append(k)
        rounds.undecided.append(int(table.verdict.str.startswith("cannot be told apart").sum()))
        if paired.decided(table):
            rounds.stopped = "decided"
            return rounds
    rounds.stopped = "cap"
    return rounds


@dataclass
class CompareResult:
    """What ``regsim compare`` ran: batch totals and the rounds."""

    rounds: Rounds
    runs_done_now: int = 0
    runs_total: int = 0
    seconds: float = 0.0
    labels: int = 0
    pending: int = 0  # runs of other shards not done yet (with a shard)
    dry_run: dict[str, Any] | None = None

    @property
    def complete(self) -> bool:
        """Whether every run of the comparison is done (always, unless shards are still running)."""
        return self.ok and self.pending == 0

    @property
    def ok(self) -> bool:
        """Whether every run needed succeeded."""
        return self.rounds.stopped != "failed"

    def message(self, settings: CompareSettings) -> str:
        """One paragraph for the terminal (in the current language): runs, rounds and why they stopped."""
        runs = self.rounds.final * self.labels
        text = _("{runs} runs ({replications} replications x {labels} strategies; {now} run now in {seconds} s)")
        text = text.format(runs=runs, replications=self.rounds.final, labels=self.labels, now=self.runs_done_now,
                           seconds=f"{self.seconds:.0f}")
        if not settings.auto:
            return text + "."
        steps = ", ".join(_("{k} ({u} undecided)").format(k=k, u=u)
                          for k, u in zip(self.rounds.replications, self.rounds.undecided, strict=True))
        why = (_("every headline pairwise difference is decided") if self.rounds.stopped == "decided" else
               _("the cap of {cap} replications was reached with {n} headline difference(s) undecided").format(
                   cap=settings.max_replications, n=self.rounds.undecided[-1] if self.rounds.undecided else "?"))
        within = _(" as a family, Holm-corrected over the headline table") if settings.correction == "holm" else ""
        return _("{text}; replications auto: rounds {steps}; stopped because {why} (each look at {confidence}{within}, "
                 "over {looks} planned looks).").format(text=text, steps=steps, why=why,
                                                        confidence=number(100 * settings.interval_confidence, 1) + "%",
                                                        within=within, looks=len(settings.schedule()))


def write_record(out: Path, settings: CompareSettings, rounds: Rounds) -> None:
    """``DIR/comparison.json``: settings, rounds and the replications the report uses."""
    record = {"replications_mode": "auto" if settings.auto else "fixed", "replications": rounds.final,
              "rounds": rounds.replications, "undecided": rounds.undecided, "stopped": rounds.stopped,
              "interval_confidence": settings.interval_confidence, "looks": len(settings.schedule()),
              **{k: v for k, v in asdict(settings).items() if k not in ("replications", "fixed")},
              "practical_thresholds": {o.name: paired.BASES[o.basis].format(share=settings.practical_share)
                                       for o in paired.OUTCOMES},
              "multiple_comparisons": _correction_text(settings)}
    store.atomic_json(record, out / analysis.COMPARISON_FILE)


def _correction_text(settings: CompareSettings) -> str:
    """How the verdicts of ``comparison.json`` are corrected for multiple comparisons, in one sentence."""
    looks = len(settings.schedule())
    over_looks = (f"; each of the {looks} planned looks of --replications auto spends 1/{looks} of the error "
                  "(Bonferroni over looks), so over rows and looks it is at most "
                  f"{1 - settings.confidence:.3g}" if settings.auto else "")
    if settings.correction == "none":
        return f"none: each interval at {settings.interval_confidence:.4g} on its own{over_looks}"
    return ("holm: Holm's step-down with Shaffer's count (at most one of a row's two hypotheses, no difference and "
            "a difference of at least the threshold, can be true) over the headline table (pairs of strategies "
            "outside the hybrid sweep x headline outcomes) and separately over the other rows; family-wise error "
            f"{1 - settings.interval_confidence:.3g} per look{over_looks}; each row's interval is at the level at "
            "which it was judged (pairwise.csv: confidence)")


def run_comparison(settings: CompareSettings, out: Path, executor: str = "processes", workers: int = 1,
                   progress: bool = True, scheduler: str | None = None, shard: str | None = None,
                   dry_run: bool = False) -> CompareResult:
    """Run (or resume, or extend) a comparison into ``out``; returns what was run and why it stopped.

    Args:
        settings: What to compare and how to judge it.
        out: The batch folder.
        executor: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes.
        progress: Show a progress bar.
        scheduler: Address of an existing Dask scheduler.
        shard: ``"I/N"``: run only the I-th of N slices (Slurm job arrays; fixed replications only).
            The comparison is judged and recorded once every shard is done (the last shard, or a
            later plain run on the same folder, does it).
        dry_run: Check everything and count runs; ``result.dry_run`` holds the counts; nothing is written.

    Raises:
        ExperimentError: for an unusable setting or directory, before any run.
    """
    settings.check()
    if shard is not None and settings.auto:
        raise ExperimentError("--shard needs a fixed number of --replications (rounds of auto judge all runs "
                              "between rounds)")
    exp = parse(experiment_table(settings), None)
    previous = analysis.read_record(out)
    if previous and previous.get("replications_mode") == "auto" and settings.auto and \
            previous.get("max_replications") != settings.max_replications:
        raise ExperimentError(f"{out}: holds a comparison with --max-replications {previous.get('max_replications')}; "
                              "use the same cap to extend it, or a new --out")
    result = CompareResult(rounds=Rounds(), labels=len(exp.cells))
    if dry_run:
        result.dry_run = run_batch(exp, out, executor=executor, workers=workers, scheduler=scheduler, shard=shard,
                                   progress=False, dry_run=True, replications=settings.schedule()[-1])
        return result

    def run_round(k: int) -> bool:
        summary = run_batch(exp, out, executor=executor, workers=workers, progress=progress, replications=k,
                            scheduler=scheduler, shard=shard)
        result.runs_done_now += summary["ran"]
        result.seconds += summary["seconds"]
        result.runs_total = summary["total"]
        if shard is not None:
            result.pending = summary["pending_total"]
        return summary["failed_total"] == 0 or _round_complete(out, k)

    if settings.auto:
        result.rounds = replicate_until_decided(settings.schedule(), run_round,
                                                lambda k: judge(out, k, settings))
    else:
        ok = run_round(settings.planned)
        result.rounds = Rounds([settings.planned] if ok else [], [], "fixed" if ok else "failed")
    if result.complete:
        write_record(out, settings, result.rounds)
    return result


def _round_complete(out: Path, k: int) -> bool:
    """Whether every run of replications below ``k`` is done (failures elsewhere in the design do not count)."""
    design = store.read_design(out)
    return bool((design[design.replication < k].status == "done").all())
