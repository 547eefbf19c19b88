"""Plain-text summaries of results for the terminal; reads results only, never the model."""

from __future__ import annotations

from regsim.results import RunResult

HEADLINE = (
    ("population", "Population", 1e6, "{:,.3f} M"),
    ("gdp_som", "GDP", 1e9, "{:,.1f} bn som"),
    ("gdp_per_capita_som", "GDP per person", 1e3, "{:,.1f} k som"),
    ("income_per_capita_som", "Household income per person", 1e3, "{:,.1f} k som"),
    ("poverty_rate", "Poverty rate", 0.01, "{:.1f} %"),
    ("extreme_poverty_rate", "Extreme poverty rate", 0.01, "{:.1f} %"),
    ("gini_consumption", "Gini of consumption per person", 0.01, "{:.1f}"),
    ("theil_between_oblasts", "Theil between oblasts", 1.0, "{:.4f}"),
    ("unemployment_rate", "Unemployment rate", 0.01, "{:.1f} %"),
    ("migrants_abroad", "Migrants abroad", 1e3, "{:,.0f} k"),
    ("remittances_som", "Remittances", 1e9, "{:,.1f} bn som"),
    ("share_pop_bishkek", "Share living in Bishkek", 0.01, "{:.1f} %"),
    ("share_pop_centres", "Share living in the 20 centres", 0.01, "{:.1f} %"),
    ("budget_allocated_som", "Budget allocated", 1e9, "{:,.2f} bn som"),
    ("budget_absorbed_som", "Budget absorbed", 1e9, "{:,.2f} bn som"),
    ("budget_returned_som", "Budget returned", 1e9, "{:,.2f} bn som"),
    ("budget_lost_som", "Budget lost", 1e9, "{:,.2f} bn som"),
)


def headline_table(result: RunResult) -> str:
    """The main national figures in the base year, the first simulated year and the last year."""
    years = sorted(result.national.year.unique())
    cols = [years[0], years[1] if len(years) > 1 else years[0], years[-1]]
    cols = list(dict.fromkeys(cols))
    width = max(len(label) for _, label, _, _ in HEADLINE)
    header = f"{'':<{width}}" + "".join(f"{str(y) + (' (base)' if y == years[0] else ''):>18}" for y in cols)
    lines = [header]
    for metric, label, scale, fmt in HEADLINE:
        cells = []
        for year in cols:
            try:
                cells.append(fmt.format(result.value(metric, year) / scale))
            except KeyError:
                cells.append("-")
        lines.append(f"{label:<{width}}" + "".join(f"{c:>18}" for c in cells))
    return "\n".join(lines)
