"""The levers and beliefs of the explorer, their slider bounds, and the scenario TOML of a choice.

A *choice* is a plain ``{"section.name": value}`` mapping over :data:`LEVER_KEYS` plus the number
of replications. Defaults come from the ``baseline`` scenario (itself from ``regsim/params.py``),
except the three settings that make one change answer in seconds: :data:`EXPLORE_END_YEAR`,
:data:`EXPLORE_REPLICATIONS` and :data:`EXPLORE_HOUSEHOLD_WEIGHT`. Policy levers take their hard
bounds from the parameter metadata; beliefs take their *plausible* ranges (``params.describe()``)
as slider bounds, so a slider cannot leave what the literature supports.

The scenario of a choice inherits ``baseline`` and sets every lever, so ``regsim run FILE --seed S``
reproduces replication k of the view (seed S = the k-th of ``replication_seeds(DEFAULT_SEED, n)``,
as in ``regsim compare``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from regsim.i18n import _
from regsim.params import DEFAULT_SEED, all_keys, describe
from regsim.rng import replication_seeds
from regsim.scenario import plain_value

BASE_SCENARIO: Final = "baseline"
REFERENCE: Final = "none"  # every effect is measured against no regional budget
CAPITAL_KEY: Final = "policy.include_capital_cities"

EXPLORE_END_YEAR: Final = 2030  # explorer default horizon: one change answers in seconds
EXPLORE_REPLICATIONS: Final = 3
EXPLORE_HOUSEHOLD_WEIGHT: Final = 50  # households per row: scale 1:50
MAX_REPLICATIONS: Final = 20
HOUSEHOLD_WEIGHTS: Final = (10, 20, 50, 100)
FIRST_END_YEAR: Final = 2019
LAST_END_YEAR: Final = 2040

POLICY_KEYS: Final = ("policy.strategy", "policy.budget_som_per_year", "policy.centre_share",
                      "policy.hinterland_share", "policy.catchment_km", "policy.sunset_year", CAPITAL_KEY)
BELIEF_KEYS: Final = ("economy.agglomeration_elasticity", "economy.congestion_elasticity",
                      "economy.public_capital_elasticity", "migration.move_propensity_per_year")
SETTING_KEYS: Final = ("time.end_year", "scale.household_weight")
LEVER_KEYS: Final = (*POLICY_KEYS, *BELIEF_KEYS, *SETTING_KEYS)

OFFERED_STRATEGIES_EXCLUDE: Final = ("custom",)  # needs an allocation CSV the explorer cannot take: not offered
APPLIES: Final = {  # lever -> strategies it changes (absent: every strategy with a budget)
    "policy.centre_share": ("hybrid",),
    "policy.hinterland_share": ("concentrated_hinterland", "concept_two_stage"),
    "policy.catchment_km": ("concentrated_hinterland", "concept_two_stage"),
}


def label_of(key: str) -> str:
    """What the user reads for a lever, in the current language (:mod:`regsim.i18n`)."""
    return {
        "policy.strategy": _("Strategy"),
        "policy.budget_som_per_year": _("Budget, bn som a year"),
        "policy.centre_share": _("Share to the centres (mix)"),
        "policy.hinterland_share": _("Share to the surroundings of the centres"),
        "policy.catchment_km": _("Radius of the surroundings, km"),
        "policy.sunset_year": _("Sunset year (last year of funding)"),
        CAPITAL_KEY: _("Capital cities (Bishkek, Osh) receive funds"),
        "economy.agglomeration_elasticity": _("Agglomeration elasticity"),
        "economy.congestion_elasticity": _("Congestion elasticity"),
        "economy.public_capital_elasticity": _("Public-capital elasticity"),
        "migration.move_propensity_per_year": _("Migration propensity, per year"),
        "time.end_year": _("End year"),
        "scale.household_weight": _("Households per row (scale 1:N)"),
    }[key]


def applies(key: str, strategy: str) -> bool:
    """Whether lever ``key`` changes anything under ``strategy`` (levers that do not are hidden)."""
    if key in POLICY_KEYS and key != "policy.strategy" and strategy == REFERENCE:
        return False
    return strategy in APPLIES.get(key, (strategy,))


SCALE_OF: Final = {"policy.budget_som_per_year": 1e9}  # the slider shows bn som


@dataclass(frozen=True)
class Lever:
    """One control of the explorer.

    Attributes:
        key: ``section.name`` of the parameter.
        label: What the user reads.
        kind: ``select``, ``float``, ``int``, ``bool`` or ``optional_int`` (a year or none).
        low: Lowest slider value (in the slider's unit, e.g. bn som).
        high: Highest slider value.
        step: Slider step.
        default: Value in the parameter's own unit.
        choices: Allowed values of a ``select``.
        available: False when the parameter does not exist in this version (shown disabled).
        note: Where the bounds come from, or why the lever is disabled.
    """

    key: str
    label: str
    kind: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.1
    default: Any = None
    choices: tuple[Any, ...] = ()
    available: bool = True
    note: str = ""

    @property
    def scale(self) -> float:
        """Parameter value = slider value x scale."""
        return SCALE_OF.get(self.key, 1.0)


def capital_lever_available() -> bool:
    """Whether ``policy.include_capital_cities`` exists in this version of the parameters."""
    return CAPITAL_KEY in all_keys()


def baseline_values() -> dict[str, Any]:
    """The lever values of the ``baseline`` scenario (its file, then parameter defaults)."""
    from regsim import scenario as scenario_mod

    params = scenario_mod.load(BASE_SCENARIO).params
    values = {}
    for key in LEVER_KEYS:
        section, name = key.split(".", 1)
        group = getattr(params, section)
        if hasattr(group, name):
            values[key] = getattr(group, name)
    return values


def default_choice() -> dict[str, Any]:
    """The explorer's first choice: the baseline, over a short horizon at a coarse scale."""
    values = baseline_values()
    values["time.end_year"] = EXPLORE_END_YEAR
    values["scale.household_weight"] = EXPLORE_HOUSEHOLD_WEIGHT
    return values


def levers() -> list[Lever]:
    """Every lever with its bounds: policy levers by hard bounds, beliefs by plausible ranges."""
    meta = {row["key"]: row for row in describe()}
    defaults = default_choice()
    out = []
    for key in LEVER_KEYS:
        label = label_of(key)
        if key not in meta:  # another version adds it; shown, disabled
            out.append(Lever(key, label, "bool", default=True, available=False,
                             note=f"{key} is not a parameter of this regsim version yet; the lever is disabled"))
            continue
        row = meta[key]
        default = defaults.get(key, row["default"])
        if row["choices"]:
            choices = tuple(c for c in row["choices"] if c not in OFFERED_STRATEGIES_EXCLUDE)
            out.append(Lever(key, label, "select", default=default, choices=choices,
                             note=row["doc"] or row["source"]))
        elif isinstance(row["default"], bool):
            out.append(Lever(key, label, "bool", default=default, note=row["doc"]))
        elif key == "policy.sunset_year":
            out.append(Lever(key, label, "optional_int", FIRST_END_YEAR - 1, LAST_END_YEAR, 1, default,
                             note=row["doc"]))
        elif key == "time.end_year":
            out.append(Lever(key, label, "int", FIRST_END_YEAR, LAST_END_YEAR, 1, default,
                             note=f"explorer default {EXPLORE_END_YEAR}; the scenario runs to "
                                  f"{baseline_values()[key]}"))
        elif key == "scale.household_weight":
            out.append(Lever(key, label, "select", default=default, choices=HOUSEHOLD_WEIGHTS,
                             note=f"explorer default 1:{EXPLORE_HOUSEHOLD_WEIGHT}; reports use 1:10"))
        else:
            scale = SCALE_OF.get(key, 1.0)
            if key in BELIEF_KEYS:
                low, high = row["plausible"]
                note = f"plausible range {low:g}-{high:g} ({row['source']})"
            elif row["plausible"] and key == "policy.budget_som_per_year":
                low, high = 0.0, row["plausible"][1]
                note = f"0 to the top of the plausible range, {high / 1e9:g} bn som a year"
            else:
                low, high = row["bounds"]
                if key == "policy.catchment_km" and row["plausible"]:
                    low, high = row["plausible"]
                note = row["doc"]
            low, high = low / scale, high / scale
            out.append(Lever(key, label, "float", low, high, _step(low, high, default / scale), default, note=note))
    return out


def _step(low: float, high: float, default: float) -> float:
    """A round slider step giving 50 positions or fewer (else 100), with the default on the grid.

    The browser's slider snaps its value to the grid: a default off the grid would move by itself.
    """
    span = high - low
    for most in (50, 100):
        for step in (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0):
            on_grid = all(abs(v / step - round(v / step)) < 1e-6 for v in (default - low, span))
            if span / step <= most and on_grid:
                return step
    return span / 100


def overrides(choice: Mapping[str, Any]) -> list[str]:
    """``--set`` strings of a choice, in :data:`LEVER_KEYS` order (a ``None`` sunset year is left out)."""
    known = set(all_keys())
    out = []
    for key in LEVER_KEYS:
        if key in choice and key in known and choice[key] is not None:
            out.append(f"{key}={json.dumps(plain_value(choice[key]))}")
    return out


def reference_of(choice: Mapping[str, Any]) -> dict[str, Any]:
    """The ``none`` run paired with a choice: same beliefs, horizon and scale, no budget at all.

    The policy levers are those of the baseline: with strategy ``none`` no money is allocated, so
    they change nothing but the ``budget_available_som`` record, and one ``none`` run serves every
    policy choice under the same beliefs (tests/test_explore.py checks this).
    """
    ref = {**baseline_values(), **{k: v for k, v in choice.items() if k not in POLICY_KEYS}}
    ref["policy.strategy"] = REFERENCE
    return ref


def seeds(replications: int) -> list[int]:
    """Seeds of the replications: those of ``regsim compare`` (``DEFAULT_SEED``), so views match it."""
    return replication_seeds(DEFAULT_SEED, replications)


def _toml_value(value: Any) -> str:
    value = plain_value(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def scenario_toml(choice: Mapping[str, Any], description: str = "", comments: tuple[str, ...] = (),
                  inherits: str = BASE_SCENARIO) -> str:
    """The scenario file that reproduces a choice: ``inherits`` plus one table per section.

    Args:
        choice: ``{"section.name": value}``; keys beyond the levers are written too (saved batches).
        description: One line for the file's ``description``.
        comments: Lines written as ``#`` comments at the top (how to run it, the numbers to expect).
        inherits: The parent scenario (a name or a path).

    Returns:
        TOML text; ``regsim run`` reads it as it is.
    """
    sections: dict[str, list[str]] = {}
    for key, value in choice.items():
        if value is None:
            continue  # "no sunset year" is the default of the parameter; TOML has no null
        section, name = key.split(".", 1)
        sections.setdefault(section, []).append(f"{name} = {_toml_value(value)}")
    lines = [f"# {line}" if line else "#" for line in comments]
    lines.append(f"inherits = {json.dumps(inherits)}")
    if description:
        lines.append(f"description = {json.dumps(description)}")
    for section, rows in sections.items():
        lines += ["", f"[{section}]", *rows]
    return "\n".join(lines) + "\n"


def describe_choice(choice: Mapping[str, Any]) -> str:
    """A short label of a choice: strategy and the levers it uses."""
    from regsim.reporting import names  # the names people use for the strategies

    strategy = choice.get("policy.strategy", "?")
    parts = [names.strategy(str(strategy))]
    if strategy == "hybrid":
        parts.append(_("share to the centres {share}").format(share=f"{choice.get('policy.centre_share', 0):.2f}"))
    if strategy == "concentrated_hinterland":
        parts.append(_("surroundings {share} within {km} km").format(
            share=f"{choice.get('policy.hinterland_share', 0):.2f}", km=f"{choice.get('policy.catchment_km', 0):g}"))
    if strategy != REFERENCE:
        parts.append(_("{budget} bn som a year").format(
            budget=f"{choice.get('policy.budget_som_per_year', 0) / 1e9:g}"))
        if choice.get("policy.sunset_year") is not None:
            parts.append(_("until {year}").format(year=choice["policy.sunset_year"]))
        if choice.get(CAPITAL_KEY) is False:
            parts.append(_("without capital cities"))
    return ", ".join(parts)
