"""Helpers shared by the tests: small, fast configurations of the real default world."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from regsim.model.simulation import RegionalModel
from regsim.params import Params, replace

SMALL_WEIGHT = 100  # household rows stand for 100 households: about 14,500 rows
SHORT_END = 2021


def small_params(**overrides: object) -> Params:
    """Default parameters at small scale and a short horizon, with ``section__name`` overrides."""
    params = replace(replace(Params(), "scale.household_weight", SMALL_WEIGHT), "time.end_year", SHORT_END)
    for key, value in overrides.items():
        params = replace(params, key.replace("__", "."), value)
    return params


def run_model(params: Params, seed: int = 1):
    """Run and release a model; return its result."""
    model = RegionalModel(params, seed=seed)
    try:
        return model.run()
    finally:
        model.release()


def with_strategy(params: Params, strategy: str) -> Params:
    return dataclasses.replace(params, policy=dataclasses.replace(params.policy, strategy=strategy))


def first_section_in_chromium(page_path: Path, executable: str) -> dict:
    """Section 1 as Chromium lays it out: what follows its heading, and whether the scorecard image loaded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(page_path.as_uri())
        found = page.evaluate(
            "() => {const h = document.querySelector('h2'); const answer = h.nextElementSibling;"
            " const figure = answer.nextElementSibling; const img = figure.querySelector('img');"
            " const top = answer.firstElementChild.getBoundingClientRect().top;"
            " return {heading: h.textContent, answer: answer.className, first: answer.firstElementChild.tagName,"
            " words: answer.firstElementChild.innerText.split(/\\s+/).length, figure: figure.tagName, alt: img.alt,"
            " loaded: img.complete && img.naturalWidth > 0, on_first_screen: top < window.innerHeight};}")
        browser.close()
    return found
