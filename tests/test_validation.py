"""regsim validate: at least 15 targets, stated tolerances, the calibrated base year holds."""

import pandas as pd

from regsim.cli import main


def test_validate_writes_targets_and_the_base_year_holds(tmp_path, capsys):
    out = tmp_path / "val"
    assert main(["validate", "--replications", "2", "--set", "scale.household_weight=100", "--out", str(out)]) == 0
    table = pd.read_csv(out / "validation.csv")
    assert list(table.columns) == ["target", "year", "observed", "simulated_median", "p10", "p90", "tolerance",
                                   "ok", "kind", "quality", "source"]
    assert len(table) >= 15 and table.source.notna().all() and (table.tolerance >= 0).all()
    assert set(table.kind) == {"calibrated", "out_of_sample", "pattern"}
    assert (table.ok == ((table.simulated_median - table.observed).abs() <= table.tolerance + 1e-9)).all()
    oblast_poverty_2017 = table[table.target.str.startswith("poverty rate ") & (table.year == 2017)]
    assert len(oblast_poverty_2017) == 9 and oblast_poverty_2017.ok.all()  # calibrated by construction
    assert "targets met" in capsys.readouterr().out
