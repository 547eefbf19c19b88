import dataclasses
import math
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regsim.errors import ScenarioError
from regsim.params import SECTION_CLASSES, STRATEGIES, Params, all_keys, describe, params_hash, to_dict
from regsim.scenario import build_params

NUMERIC = [
    (section, f)
    for section, cls in SECTION_CLASSES.items()
    for f in dataclasses.fields(cls)
    if isinstance(f.default, int | float) and not isinstance(f.default, bool) and f.metadata["bounds"] != (None, None)
]


def test_defaults_are_valid_and_documented():
    params = Params()
    assert params.policy.strategy == "concept_two_stage"
    assert params.policy.budget_som_per_year == 2.6e9
    for row in describe():
        assert row["unit"], row["key"]
        assert row["source"], f"{row['key']} has no source"


def test_keys_are_section_dot_name():
    keys = all_keys()
    assert "economy.agglomeration_elasticity" in keys
    assert "policy.budget_som_per_year" in keys
    assert len(keys) == len(set(keys))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NUMERIC), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e13, max_value=1e13))
def test_out_of_range_values_name_the_field(section_field, value):
    section, f = section_field
    lo, hi = f.metadata["bounds"]
    inside = (lo is None or value >= lo) and (hi is None or value <= hi)
    if isinstance(f.default, int):
        value = math.floor(value)
        inside = (lo is None or value >= lo) and (hi is None or value <= hi)
    cls = SECTION_CLASSES[section]
    if inside:
        return
    with pytest.raises(ScenarioError, match=rf"{section}\.{f.name}: .* outside the allowed range"):
        cls(**{f.name: value})


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=20).filter(lambda s: s not in STRATEGIES))
def test_unknown_strategy_lists_allowed(name):
    with pytest.raises(ScenarioError, match="allowed: none, equalisation_uniform"):
        build_params({"policy": {"strategy": name}}, "test.toml")


def test_wrong_types_are_rejected():
    with pytest.raises(ScenarioError, match="policy.budget_som_per_year: expected a number"):
        build_params({"policy": {"budget_som_per_year": "lots"}}, "x.toml")
    with pytest.raises(ScenarioError, match="time.end_year: expected a whole number"):
        build_params({"time": {"end_year": 2030.5}}, "x.toml")


def test_end_year_before_start_and_negative_budget():
    with pytest.raises(ScenarioError, match="time.end_year"):
        build_params({"time": {"end_year": 2010}}, "x.toml")
    with pytest.raises(ScenarioError, match=r"policy.budget_som_per_year: -1.0 is outside the allowed range \[0"):
        build_params({"policy": {"budget_som_per_year": -1.0}}, "x.toml")


def test_channel_shares_must_sum_to_one():
    with pytest.raises(ScenarioError, match="must add up to 1"):
        build_params({"policy": {"grants_share": 0.5}}, "x.toml")


def _toml(params: Params) -> str:
    lines = []
    for section, values in to_dict(params).items():
        if section == "shocks":  # an array of tables, not a section (tests/test_shocks.py)
            continue
        lines.append(f"[{section}]")
        for key, value in values.items():
            if value is None:
                continue
            if isinstance(value, bool):  # the first switch: policy.include_capital_cities
                lines.append(f"{key} = {str(value).lower()}")
            else:
                lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value!r}")
    return "\n".join(lines)


@settings(max_examples=25, deadline=None)
@given(
    st.floats(0.0, 0.3), st.floats(0.0, 0.3), st.integers(2018, 2100), st.floats(0.0, 1e11),
    st.sampled_from(sorted(set(STRATEGIES) - {"custom"})),
)
def test_params_round_trip_through_toml(eps, theta, end, budget, strategy):
    values = {"economy": {"agglomeration_elasticity": eps, "congestion_elasticity": theta},
              "time": {"end_year": end}, "policy": {"budget_som_per_year": budget, "strategy": strategy}}
    params = build_params(values, "x.toml")
    again = build_params(tomllib.loads(_toml(params)), "y.toml")
    assert again == params
    assert params_hash(again) == params_hash(params)


def test_plausible_ranges_is_the_one_reader_of_declared_ranges():
    from regsim.params import plausible_ranges
    from regsim.studies.calibration import FREE
    from regsim.studies.sensitivity import UNCERTAIN

    for keys in (FREE, UNCERTAIN):
        ranges = plausible_ranges(keys)
        assert list(ranges) == list(keys)
        assert all(isinstance(b, float) for lo_hi in ranges.values() for b in lo_hi)
        assert all(lo < hi for lo, hi in ranges.values())
    with pytest.raises(ScenarioError, match="no plausible range declared for time.end_year"):
        plausible_ranges(["economy.agglomeration_elasticity", "time.end_year"])
