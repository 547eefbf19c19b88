"""What readers call the strategies and outcomes, in the current language (:mod:`regsim.i18n`).

Identifiers (``concentrated_hinterland``) stay in files and code; people read names ("the 20 centres
and their surroundings"). The Russian names follow the terms of the Concept of Regional Policy
2018-2022 (Government resolution No. 194 of 31 March 2017): "центры развития" (development centres),
"выравнивание" (equalisation), "в два этапа" (two stages) and "пилотные" (pilot) settlements of stage 1.
The Kyrgyz names use the Government's Kyrgyz release on the Concept: "өнүгүү борборлору", "тийиштүү
айылдык аймактар" (their rural surroundings), "тегиздөө", "эки этапта" (sources: README, "Languages").
"""

from __future__ import annotations

from regsim.i18n import _

BASELINE = "none"


def _names() -> dict[str, str]:
    """Identifier -> name, built per call so that the current language applies."""
    return {
        "none": _("no regional budget"),
        "equalisation_uniform": _("equal per person"),
        "equalisation_needs": _("by need"),
        "concentrated": _("support of the 20 centres"),
        "concentrated_hinterland": _("the 20 centres and their surroundings"),
        "concept_two_stage": _("the Concept as adopted (two stages)"),
        "cash_transfers": _("cash benefits to poor families"),
        "custom": _("custom allocation"),
    }


def strategy(label: str) -> str:
    """The name of a strategy label; ``hybrid 0.25`` becomes "mix: 25% to the centres"."""
    if label.startswith("hybrid "):
        try:
            share = float(label.split()[1])
        except (IndexError, ValueError):
            return label
        return _("mix: {share} to the centres").format(share=f"{share:.0%}")
    return _names().get(label, label)


def short(label: str) -> str:
    """A short name for narrow places (figure legends, table headings)."""
    shorts = {
        "none": _("no budget"),
        "equalisation_uniform": _("equal per person"),
        "equalisation_needs": _("by need"),
        "concentrated": _("20 centres"),
        "concentrated_hinterland": _("centres + surroundings"),
        "concept_two_stage": _("the Concept"),
        "cash_transfers": _("cash benefits"),
        "custom": _("custom"),
    }
    return shorts.get(label, strategy(label))


def outcome(name: str) -> str:
    """A short name of a headline outcome (scorecard columns)."""
    return {
        "gdp_per_capita_end": _("GDP per person, last year"),
        "gdp_pv": _("GDP over the period"),
        "poverty_rate_end": _("poverty rate, last year"),
        "poverty_person_years": _("person-years in poverty"),
        "theil_between_end": _("inequality between oblasts"),
    }.get(name, name)


def place(name: str) -> str:
    """The capital or a growth centre (``settlements_centres.csv``) in the current language; others unchanged."""
    return {"Bishkek": _("Bishkek"), "Osh": _("Osh"), "Karakol": _("Karakol"), "Balykchy": _("Balykchy"),
            "Naryn": _("Naryn"), "Kochkor": _("Kochkor"), "Tokmok": _("Tokmok"), "Kara-Balta": _("Kara-Balta"),
            "Talas": _("Talas"), "Isfana": _("Isfana"), "Batken": _("Batken"), "Kadamjay": _("Kadamjay"),
            "Uzgen": _("Uzgen"), "Kara-Suu": _("Kara-Suu"), "Sary-Tash": _("Sary-Tash"), "Tash-Kumyr": _("Tash-Kumyr"),
            "Kara-Kul": _("Kara-Kul"), "Jalal-Abad": _("Jalal-Abad"), "Kerben": _("Kerben"),
            "Kochkor-Ata": _("Kochkor-Ata")}.get(name, name)
