"""One view of the explorer, computed away from the web page: runs (if needed), figures, tables, TOML.

:func:`live_view` answers a choice of levers (A, optionally B pinned beside it) by running what
the cache lacks; :func:`saved_view` reads a saved batch. Both return a :class:`View` of PNG images
and tables that the page only displays, so the page stays responsive and the same code is tested
without a browser.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd
from matplotlib.figure import Figure

from regsim.explore import levers, views
from regsim.explore.runs import Progress, RunCache
from regsim.explore.saved import Saved
from regsim.i18n import _
from regsim.params import STRATEGIES
from regsim.reporting import paired
from regsim.reporting.analysis import Comparison

MAX_VISITED: Final = 12  # earlier choices kept on the frontier
FRONTIER_STRATEGIES: Final = tuple(s for s in STRATEGIES if s not in ("none", "custom"))


@dataclass
class View:
    """Everything the page shows for one choice."""

    images: dict[str, bytes]
    oblasts: pd.DataFrame
    verdicts: pd.DataFrame
    runs: pd.DataFrame
    tomls: dict[str, str]
    names: dict[str, str]
    replications: int
    last_year: int
    ran: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def png(fig: Figure) -> bytes:
    """A figure as PNG bytes (110 dpi)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def export_toml(choice: Mapping[str, Any], comp: Comparison, label: str, inherits: str = levers.BASE_SCENARIO,
                filename: str = "explore.toml") -> str:
    """The scenario TOML of one label, with the command and the numbers each replication gives."""
    runs = comp.national[(comp.national.label == label) & (comp.national.year == comp.last_year)]
    wide = runs.pivot_table(index=["replication", "seed"], columns="metric", values="value").reset_index()
    comments = [f"regsim explore: {label} = {levers.describe_choice(choice)}",
                f"Reproduce replication k with: regsim run {filename} --seed SEED",
                f"Numbers in {comp.last_year} behind the view ({len(wide)} replications):"]
    for row in wide.itertuples():
        comments.append(f"seed {int(row.seed)}: gdp_per_capita_som = {row.gdp_per_capita_som!r}, "
                        f"poverty_rate = {row.poverty_rate!r}")
    return levers.scenario_toml(choice, description=f"regsim explore: {levers.describe_choice(choice)}",
                                comments=tuple(comments), inherits=inherits)


def _figures(comp: Comparison, shown: Sequence[str], reference: str, frontier: pd.DataFrame,
             names: dict[str, str], notes: list[str]) -> dict[str, bytes]:
    images: dict[str, bytes] = {}
    has_settlements = comp.settlements is not None and comp.world is not None
    if has_settlements:
        for measure in views.MAP_MEASURES:
            images[f"map_{measure}"] = png(views.map_figure(comp, shown[0], reference, measure))
            if len(shown) > 1:  # B pinned: where A differs from B, settlement by settlement
                images[f"map_ab_{measure}"] = png(views.map_figure(comp, shown[0], shown[1], measure))
        images["bands"] = png(views.bands_figure(comp, shown, reference))
    else:
        notes.append(_("this batch has no settlement results: no map and no distance bands (run it with outputs = "
                       "[\"national\", \"oblasts\", \"settlements\"])"))
    images["paths"] = png(views.paths_figure(comp, shown, reference))
    images["frontier"] = png(views.frontier_figure(frontier, shown, reference, names))
    return images


def live_view(cache: RunCache, a: Mapping[str, Any], b: Mapping[str, Any] | None, replications: int,
              visited: Sequence[Mapping[str, Any]] = (), all_strategies: bool = False,
              progress: Progress | None = None, cancel: threading.Event | None = None) -> View:
    """Run what is missing for choice A (and B), then draw everything against their ``none`` runs.

    Args:
        cache: The run cache.
        a: Choice A (``{"section.name": value}``).
        b: Choice B pinned beside it, or None.
        replications: Paired replications per choice.
        visited: Earlier choices; those with the same beliefs, horizon and scale (so the same ``none``
            runs) and already cached appear on the frontier.
        all_strategies: Also run every strategy with A's budget and beliefs, for the frontier.
        progress: Called with (finished, total) runs.
        cancel: Stops between runs when set.
    """
    started = time.perf_counter()
    reference = levers.reference_of(a)
    choices: dict[str, Mapping[str, Any]] = {"A": a}
    if b is not None:
        choices["B"] = b
    notes = []
    if b is not None and levers.reference_of(b) != reference:
        notes.append(_("A and B differ in beliefs, horizon or scale: each is compared with no budget under A's "
                       "beliefs; the A-B verdict pairs them seed by seed all the same"))
    choices[paired.BASELINE] = reference
    extra: dict[str, Mapping[str, Any]] = {}
    if all_strategies:
        for strategy in FRONTIER_STRATEGIES:
            extra[strategy] = {**a, "policy.strategy": strategy}
    main_jobs = cache.jobs(choices, replications)
    extra_jobs = cache.jobs(extra, replications) if extra else []
    ran = cache.ensure(main_jobs + extra_jobs, progress, cancel)
    earlier = {}
    for i, choice in enumerate(list(visited)[-MAX_VISITED:]):
        if levers.reference_of(choice) == reference and dict(choice) not in (dict(a), dict(b or {})):
            earlier[f"earlier {i + 1}"] = choice
    earlier_jobs = [job for job in cache.jobs(earlier, replications) if cache.is_cached(job)] if earlier else []
    complete = {job.label for job in earlier_jobs if sum(j.label == job.label for j in earlier_jobs) == replications}
    earlier_jobs = [job for job in earlier_jobs if job.label in complete]
    comp = cache.comparison(main_jobs + extra_jobs + earlier_jobs)
    shown = [label for label in ("A", "B") if label in choices]
    names = {label: f"{label}: {levers.describe_choice(choice)}" for label, choice in choices.items()}
    names.update({label: f"{label}: {levers.describe_choice(c)}" for label, c in earlier.items()})
    frontier_labels = [*shown, *extra, *sorted(complete)]
    frontier = views.frontier_points(comp, frontier_labels, paired.BASELINE)
    main = Comparison(**{**comp.__dict__, **_only(comp, [*shown, paired.BASELINE])})
    images = _figures(main, shown, paired.BASELINE, frontier, names, notes)
    verdicts = views.verdicts(main, "A", "B" if b is not None else paired.BASELINE)
    tomls = {label: export_toml(choices[label], main, label, filename=f"explore-{label}.toml") for label in shown}
    return View(images=images, oblasts=views.oblast_table(main, shown, paired.BASELINE), verdicts=verdicts,
                runs=views.runs_table(main), tomls=tomls, names=names, replications=replications,
                last_year=main.last_year, ran=ran, seconds=time.perf_counter() - started, notes=notes)


def saved_view(saved: Saved, a: str, b: str | None, reference: str) -> View:
    """The same view of a saved batch: labels A (and B) against a reference label; nothing runs."""
    started = time.perf_counter()
    comp = saved.comparison
    shown = [a] + ([b] if b and b != a else [])
    notes: list[str] = []
    names = {label: label for label in saved.labels}
    if reference in shown:
        notes.append(_("the reference {reference} is also shown; choose another").format(reference=repr(reference)))
    frontier = views.frontier_points(comp, [x for x in saved.labels if x != reference], reference)
    main = Comparison(**{**comp.__dict__, **_only(comp, [*shown, reference])})
    images = _figures(main, shown, reference, frontier, names, notes)
    verdicts = views.verdicts(main, a, b if b and b != a else reference)
    tomls = {label: export_toml(saved.choices[label], main, label, inherits=saved.inherits,
                                filename=f"explore-{label.split(' ')[0]}.toml") for label in shown}
    return View(images=images, oblasts=views.oblast_table(main, shown, reference), verdicts=verdicts,
                runs=views.runs_table(main), tomls=tomls, names=names,
                replications=int(comp.design.replication.nunique()), last_year=main.last_year,
                seconds=time.perf_counter() - started, notes=notes)


def _only(comp: Comparison, labels: Sequence[str]) -> dict[str, Any]:
    """The tables of a comparison restricted to some labels (as keyword arguments)."""
    keep = set(labels)

    def cut(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else frame[frame.label.isin(keep)]

    return {"national": cut(comp.national), "oblasts": cut(comp.oblasts), "settlements": cut(comp.settlements),
            "design": cut(comp.design)}
