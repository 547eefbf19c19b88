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

from regsim import i18n
from regsim.explore import levers, session
from regsim.explore.runs import Cancelled, RunCache, default_cache_folder
from regsim.i18n import _
from regsim.reporting import names

ENV_DIR = "REGSIM_EXPLORE_DIR"
ENV_LANG = "REGSIM_EXPLORE_LANG"  # --lang of regsim explore
MORE_REPLICATIONS = 5  # added by the button when a verdict is undecided
i18n.set_language(os.environ.get(ENV_LANG) or i18n.SOURCE_LANGUAGE)
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

            def typed(v: float | None) -> None:  # the number box: clipped to the slider's range
                if v is not None:
                    set_value(_round(min(max(float(v), lever.low), lever.high) * lever.scale))

            with solara.Row(style={"align-items": "center", "flex-wrap": "nowrap"}):
                with solara.Div(style={"flex": "1 1 auto", "min-width": "150px"}):
                    solara.SliderFloat(f"{lever.label}: {shown:g}", value=shown, min=lever.low, max=lever.high,
                                       step=lever.step, on_value=lambda v: set_value(_round(v * lever.scale)))
                solara.InputFloat(label="", value=_round(shown), on_value=typed, continuous_update=False,
                                  style={"max-width": "80px", "flex": "0 0 80px"}, classes=["regsim-number"])
        elif lever.kind == "int":
            solara.SliderInt(f"{lever.label}: {value}", value=int(value), min=int(lever.low), max=int(lever.high),
                             on_value=set_value)
        elif lever.kind == "optional_int":
            end = int(choice.get("time.end_year", levers.EXPLORE_END_YEAR))
            solara.Checkbox(label=_("Funding stops after a sunset year"), value=value is not None,
                            on_value=lambda on: set_value(min(end, levers.EXPLORE_END_YEAR - 5) if on else None))
            if value is not None:
                solara.SliderInt(f"{lever.label}: {value}", value=int(value), min=int(lever.low), max=end,
                                 on_value=set_value)
        elif lever.kind == "bool":
            solara.Checkbox(label=lever.label, value=bool(value), on_value=set_value)
        solara.Text(lever.note, style={"font-size": "11px", "color": "#666", "margin-bottom": "6px"})


TABLE_CSS = ("<style>.regsim-table table{border-collapse:collapse;font-size:13px}.regsim-table th,.regsim-table td"
             "{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}.regsim-table th:first-child,"
             ".regsim-table td:first-child{text-align:left}.regsim-table{max-height:420px;overflow:auto}</style>")


def table(frame: Any, classes: list[str] | None = None) -> None:
    """A table without an index column (plain HTML, escaped), scrolling when long."""
    solara.HTML(tag="div", unsafe_innerHTML=TABLE_CSS + frame.to_html(index=False, border=0),
                classes=["regsim-table", *(classes or [])])


@solara.component
def Picture(data: bytes) -> None:
    """A PNG, with a hidden digest of its bytes (so a test can tell whether a figure changed)."""
    solara.Image(data, width="100%")
    solara.Text(hashlib.sha256(data).hexdigest()[:16], classes=["regsim-digest"], style={"display": "none"})


@solara.component
def Figures(view: session.View, measure: str, set_measure: Any, on_more: Any = None) -> None:
    """The figures and tables of a view: the verdict first, with a button for more replications if undecided."""
    for note in view.notes:
        solara.Warning(note)
    with solara.Card(_("Paired verdict"), classes=["regsim-verdict"]):
        paragraph([(" · ".join(view.names.get(x, x) for x in ("A", "B") if x in view.names), False)])
        table(view.verdicts)
        undecided = bool(len(view.verdicts)) and bool((view.verdicts.iloc[:, -2] == _("cannot tell")).any())
        if undecided and on_more is not None:
            solara.Button(_("Add {n} replications to decide").format(n=MORE_REPLICATIONS), on_click=on_more,
                          color="primary", classes=["regsim-more"])
    with solara.Card(_("Map of the settlements"), classes=["regsim-map"]):
        shown = {"income": _("income"), "poverty": _("poverty")}  # button words; the view keeps the keys
        solara.ToggleButtonsSingle(value=shown[measure], values=list(shown.values()),
                                   on_value=lambda v: set_measure(next(k for k, w in shown.items() if w == v)))
        if f"map_{measure}" in view.images:
            Picture(view.images[f"map_{measure}"])
        if f"map_ab_{measure}" in view.images:
            solara.Text(_("A versus B, settlement by settlement:"), classes=["regsim-map-ab"])
            Picture(view.images[f"map_ab_{measure}"])
    with solara.Card(_("Headline outcomes by year, as differences versus no budget"), classes=["regsim-paths"]):
        Picture(view.images["paths"])
    with solara.Card(_("Growth-equity frontier"), classes=["regsim-frontier"], style={"max-width": "760px"}):
        Picture(view.images["frontier"])
    if "bands" in view.images:
        with solara.Card(_("Distance from the nearest growth centre"), classes=["regsim-bands"]):
            Picture(view.images["bands"])
    with solara.Card(_("Oblasts, {year}: mean over {n} paired replications").format(
            year=view.last_year, n=view.replications), classes=["regsim-oblasts"]):
        table(view.oblasts)
    with solara.Card(_("The runs behind every number"), classes=["regsim-runs"]):
        table(view.runs)
    for label, text in view.tomls.items():
        with solara.Card(_("Scenario that reproduces {label}").format(label=label),
                         classes=[f"regsim-toml-{label.split(' ')[0]}"]):
            solara.FileDownload(text, filename=f"explore-{label.split(' ')[0]}.toml",
                                label=_("Export {label} as scenario TOML").format(label=label.split(" ")[0]),
                                mime_type="application/toml")
            solara.Preformatted(text)


@solara.component
def Status(result: Any, progress: tuple[int, int]) -> None:
    """Progress while runs go; how many replications and runs stand behind the view when done."""
    done, total = progress
    with solara.Div(classes=["regsim-status"]):
        if result.state in (solara.ResultState.RUNNING, solara.ResultState.STARTING, solara.ResultState.WAITING):
            solara.ProgressLinear(100 * done / total if total else True)
            solara.Text(_("running: {done} of {total} runs done").format(done=done, total=total) if total
                        else _("preparing the view ..."), classes=["regsim-busy"])
        elif result.state == solara.ResultState.ERROR and not isinstance(result.error, Cancelled):
            solara.Error(f"{result.error}")
        elif result.value is not None:
            view = result.value
            solara.Text(_("ready: {n} paired replications per choice, {ran} new runs, {seconds} s").format(
                n=view.replications, ran=view.ran, seconds=i18n.number(view.seconds, 1)), classes=["regsim-ready"])


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
        heading(_("Policy levers"))
        all_levers = levers.levers()
        strategy = str(choice.get("policy.strategy"))
        for lever in all_levers:  # only the levers that change something under the chosen strategy
            if lever.key in levers.POLICY_KEYS and levers.applies(lever.key, strategy):
                LeverControl(lever, choice, set_choice)
        heading(_("Beliefs (plausible ranges)"))
        for lever in all_levers:
            if lever.key in levers.BELIEF_KEYS:
                LeverControl(lever, choice, set_choice)
        heading(_("Horizon and replications"))
        for lever in all_levers:
            if lever.key in levers.SETTING_KEYS:
                LeverControl(lever, choice, set_choice)
        solara.SliderInt(_("Replications: {n}").format(n=replications), value=replications, min=1,
                         max=levers.MAX_REPLICATIONS, on_value=set_replications)
        with solara.Row():
            solara.Button(_("Pin A as B"), on_click=lambda: set_pinned(dict(choice)))
            solara.Button(_("Clear B"), on_click=lambda: set_pinned(None), disabled=pinned is None)
        solara.Checkbox(label=_("Frontier: every strategy at A's budget"), value=all_strategies,
                        on_value=set_all_strategies)
    heading("regsim explore", 2)
    paragraph([("A: ", True), (levers.describe_choice(choice), False),
               *([(" · B: ", True), (levers.describe_choice(pinned), False)] if pinned
                 else [(" · " + _("pin A as B to compare two choices"), False)]),
               (" · " + _("every effect is paired with no regional budget on the same seeds"), False)])
    Status(result, progress.value)
    if result.value is not None:
        more = (lambda: set_replications(min(levers.MAX_REPLICATIONS, replications + MORE_REPLICATIONS))) \
            if replications < levers.MAX_REPLICATIONS else None
        Figures(result.value, measure, set_measure, on_more=more)


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
        heading(_("Saved comparison"))
        paragraph([(str(saved.folder), True), (": " + _("nothing runs here; every number is read from the folder"),
                                               False)])
        # strategy names in the interface's language, identifiers underneath (names could collide: then labels)
        shown = {label: names.strategy(label) for label in labels}
        if len(set(shown.values())) < len(shown):
            shown = {label: label for label in labels}
        back = {name: label for label, name in shown.items()}
        choices = [shown[label] for label in labels]
        solara.Select(label="A", values=choices, value=shown[a], on_value=lambda v: set_a(back[v]))
        unset = _("(none chosen)")
        solara.Select(label=_("B (optional)"), values=[unset, *choices], value=shown[b] if b else unset,
                      on_value=lambda v: set_b(None if v == unset else back[v]))
        solara.Select(label=_("Reference"), values=choices, value=shown[reference],
                      on_value=lambda v: set_reference(back[v]))
    heading(f"regsim explore: {Path(saved.folder).name}", 2)
    paragraph([("A: ", True), (shown[a], False), *([(" · B: ", True), (shown[b], False)] if b else []),
               (" · " + _("versus") + " ", False), (shown[reference], True)])
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
