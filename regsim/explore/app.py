"""The Solara page of ``regsim explore`` (started by :func:`regsim.explore.serve`, not imported elsewhere).

The server reads its settings from the environment that :func:`regsim.explore.serve` sets
(``REGSIM_EXPLORE_DIR``, ``_CACHE``, ``_EXECUTOR``, ``_WORKERS``), because Solara imports this module
by name. One :class:`~regsim.explore.runs.RunCache` serves every browser tab of the server, so a
run made for one tab is never made again for another. The page only displays: runs, figures and
tables are made in a background thread by :mod:`regsim.explore.session`.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
from pathlib import Path
from typing import Any

import solara

from regsim.explore import levers, session
from regsim.explore.runs import Cancelled, RunCache, default_cache_folder

ENV_DIR = "REGSIM_EXPLORE_DIR"
ENV_CACHE = "REGSIM_EXPLORE_CACHE"
ENV_EXECUTOR = "REGSIM_EXPLORE_EXECUTOR"
ENV_WORKERS = "REGSIM_EXPLORE_WORKERS"


@functools.cache
def shared_cache() -> RunCache:
    """The server's one run cache (made on first use, not at import)."""
    workers = os.environ.get(ENV_WORKERS)
    return RunCache(os.environ.get(ENV_CACHE) or default_cache_folder(),
                    executor=os.environ.get(ENV_EXECUTOR, "processes"), workers=int(workers) if workers else None)


@functools.cache
def shared_saved() -> Any:
    """The saved batch given to ``regsim explore DIR`` (read once)."""
    from regsim.explore import saved

    return saved.load(os.environ[ENV_DIR])


def heading(text: str, level: int = 3) -> None:
    """A heading (plain HTML: solara.Markdown would fetch KaTeX from the internet)."""
    solara.HTML(tag=f"h{level}", unsafe_innerHTML=html.escape(text))


def paragraph(parts: list[tuple[str, bool]], classes: list[str] | None = None) -> None:
    """A line of text; ``(text, True)`` parts are bold."""
    inner = "".join(f"<b>{html.escape(t)}</b>" if bold else html.escape(t) for t, bold in parts)
    solara.HTML(tag="p", unsafe_innerHTML=inner, classes=classes or [])


def _round(value: float) -> float:
    return float(f"{value:.10g}")


@solara.component
def LeverControl(lever: levers.Lever, choice: dict[str, Any], on_change: Any) -> None:
    """One lever as a slider, select or checkbox, with where its bounds come from."""
    key = lever.key
    value = choice.get(key, lever.default)

    def set_value(new: Any) -> None:
        on_change({**choice, key: new})

    with solara.Column(gap="0px", classes=[f"lever-{key.replace('.', '-').replace('_', '-')}"]):
        if not lever.available:
            solara.Checkbox(label=lever.label, value=True, disabled=True)
        elif lever.kind == "select":
            solara.Select(label=lever.label, values=list(lever.choices), value=value, on_value=set_value)
        elif lever.kind == "float":
            shown = value / lever.scale
            solara.SliderFloat(f"{lever.label}: {shown:g}", value=shown, min=lever.low, max=lever.high,
                               step=lever.step, on_value=lambda v: set_value(_round(v * lever.scale)))
        elif lever.kind == "int":
            solara.SliderInt(f"{lever.label}: {value}", value=int(value), min=int(lever.low), max=int(lever.high),
                             on_value=set_value)
        elif lever.kind == "optional_int":
            end = int(choice.get("time.end_year", levers.EXPLORE_END_YEAR))
            solara.Checkbox(label="Funding stops after a sunset year", value=value is not None,
                            on_value=lambda on: set_value(min(end, levers.EXPLORE_END_YEAR - 5) if on else None))
            if value is not None:
                solara.SliderInt(f"{lever.label}: {value}", value=int(value), min=int(lever.low), max=end,
                                 on_value=set_value)
        elif lever.kind == "bool":
            solara.Checkbox(label=lever.label, value=bool(value), on_value=set_value)
        solara.Text(lever.note, style={"font-size": "11px", "color": "#666", "margin-bottom": "6px"})


@solara.component
def Picture(data: bytes) -> None:
    """A PNG, with a hidden digest of its bytes (so a test can tell whether a figure changed)."""
    solara.Image(data, width="100%")
    solara.Text(hashlib.sha256(data).hexdigest()[:16], classes=["regsim-digest"], style={"display": "none"})


@solara.component
def Figures(view: session.View, measure: str, set_measure: Any) -> None:
    """The figures and tables of a view."""
    for note in view.notes:
        solara.Warning(note)
    with solara.Card("Map of the settlements", classes=["regsim-map"]):
        solara.ToggleButtonsSingle(value=measure, values=["income", "poverty"], on_value=set_measure)
        if f"map_{measure}" in view.images:
            Picture(view.images[f"map_{measure}"])
    with solara.Card("Headline outcomes by year, as differences versus none", classes=["regsim-paths"]):
        Picture(view.images["paths"])
    with solara.Card("Paired verdict", classes=["regsim-verdict"]):
        paragraph([(" · ".join(view.names.get(x, x) for x in ("A", "B") if x in view.names), False)])
        solara.DataFrame(view.verdicts, items_per_page=10)
    with solara.Card("Growth-equity frontier", classes=["regsim-frontier"], style={"max-width": "760px"}):
        Picture(view.images["frontier"])
    if "bands" in view.images:
        with solara.Card("Distance from the nearest growth centre", classes=["regsim-bands"]):
            Picture(view.images["bands"])
    with solara.Card(f"Oblasts, {view.last_year}: mean over {view.replications} paired replications",
                     classes=["regsim-oblasts"]):
        solara.DataFrame(view.oblasts, items_per_page=12)
    with solara.Card("The runs behind every number", classes=["regsim-runs"]):
        solara.DataFrame(view.runs, items_per_page=30)
    for label, text in view.tomls.items():
        with solara.Card(f"Scenario that reproduces {label}", classes=[f"regsim-toml-{label.split(' ')[0]}"]):
            solara.FileDownload(text, filename=f"explore-{label.split(' ')[0]}.toml",
                                label=f"Export {label.split(' ')[0]} as scenario TOML", mime_type="application/toml")
            solara.Preformatted(text)


@solara.component
def Status(result: Any, progress: tuple[int, int]) -> None:
    """Progress while runs go; how many replications and runs stand behind the view when done."""
    done, total = progress
    with solara.Div(classes=["regsim-status"]):
        if result.state in (solara.ResultState.RUNNING, solara.ResultState.STARTING, solara.ResultState.WAITING):
            solara.ProgressLinear(100 * done / total if total else True)
            solara.Text(f"running: {done} of {total} runs done" if total else "preparing the view ...",
                        classes=["regsim-busy"])
        elif result.state == solara.ResultState.ERROR and not isinstance(result.error, Cancelled):
            solara.Error(f"{result.error}")
        elif result.value is not None:
            view = result.value
            solara.Text(f"ready: {view.replications} paired replications per choice, {view.ran} new runs, "
                        f"{view.seconds:.1f} s", classes=["regsim-ready"])


@solara.component
def LivePage() -> None:
    """Levers in the sidebar; A (and B when pinned) against `none`."""
    choice, set_choice = solara.use_state(levers.default_choice())
    pinned, set_pinned = solara.use_state(None)
    replications, set_replications = solara.use_state(levers.EXPLORE_REPLICATIONS)
    all_strategies, set_all_strategies = solara.use_state(False)
    measure, set_measure = solara.use_state("income")
    progress = solara.use_reactive((0, 0))
    visited = solara.use_ref([])
    key = json.dumps([choice, pinned, replications, all_strategies], sort_keys=True, default=str)

    def work(cancel: Any) -> session.View:
        view = session.live_view(shared_cache(), choice, pinned, replications, visited.current, all_strategies,
                                 progress=lambda d, t: progress.set((d, t)), cancel=cancel)
        if choice not in visited.current:
            visited.current.append(dict(choice))
        return view

    result = solara.use_thread(work, dependencies=[key], intrusive_cancel=False)
    with solara.Sidebar():
        heading("Policy levers")
        all_levers = levers.levers()
        for lever in all_levers:
            if lever.key in levers.POLICY_KEYS:
                LeverControl(lever, choice, set_choice)
        heading("Beliefs (plausible ranges)")
        for lever in all_levers:
            if lever.key in levers.BELIEF_KEYS:
                LeverControl(lever, choice, set_choice)
        heading("Horizon and replications")
        for lever in all_levers:
            if lever.key in levers.SETTING_KEYS:
                LeverControl(lever, choice, set_choice)
        solara.SliderInt(f"Replications: {replications}", value=replications, min=1, max=levers.MAX_REPLICATIONS,
                         on_value=set_replications)
        with solara.Row():
            solara.Button("Pin A as B", on_click=lambda: set_pinned(dict(choice)))
            solara.Button("Clear B", on_click=lambda: set_pinned(None), disabled=pinned is None)
        solara.Checkbox(label="Frontier: every strategy at A's budget", value=all_strategies,
                        on_value=set_all_strategies)
    heading("regsim explore", 2)
    paragraph([("A: ", True), (levers.describe_choice(choice), False),
               *([(" · B: ", True), (levers.describe_choice(pinned), False)] if pinned
                 else [(" · pin A as B to compare two choices", False)]),
               (" · every effect is paired with none (no regional budget) on the same seeds", False)])
    Status(result, progress.value)
    if result.value is not None:
        Figures(result.value, measure, set_measure)


@solara.component
def SavedPage() -> None:
    """Browse a saved comparison: choose A, B and the reference among its labels."""
    saved = shared_saved()
    labels = saved.labels
    reference0 = "none" if "none" in labels else labels[0]
    others = [x for x in labels if x != reference0]
    a, set_a = solara.use_state(others[0] if others else labels[0])
    b, set_b = solara.use_state(None)
    reference, set_reference = solara.use_state(reference0)
    measure, set_measure = solara.use_state("income")
    result = solara.use_thread(lambda: session.saved_view(saved, a, b, reference), dependencies=[a, b, reference],
                               intrusive_cancel=False)
    with solara.Sidebar():
        heading("Saved comparison")
        paragraph([(str(saved.folder), True), (": nothing runs here; every number is read from the folder", False)])
        solara.Select(label="A", values=labels, value=a, on_value=set_a)
        solara.Select(label="B (optional)", values=["(none chosen)", *labels], value=b or "(none chosen)",
                      on_value=lambda v: set_b(None if v == "(none chosen)" else v))
        solara.Select(label="Reference", values=labels, value=reference, on_value=set_reference)
    heading(f"regsim explore: {Path(saved.folder).name}", 2)
    paragraph([("A: ", True), (a, False), *([(" · B: ", True), (b, False)] if b else []),
               (" · versus ", False), (reference, True)])
    Status(result, (0, 0))
    if result.value is not None:
        Figures(result.value, measure, set_measure)


@solara.component
def Page() -> None:
    """The explorer: a saved comparison when a folder was given, else live runs."""
    solara.Title("regsim explore")
    if os.environ.get(ENV_DIR):
        SavedPage()
    else:
        LivePage()
