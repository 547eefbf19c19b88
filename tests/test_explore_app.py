"""regsim explore in headless Chromium: start the app, move a lever, wait for the runs, check the views and
that the exported scenario reproduces the numbers with `regsim run`. Skipped when the extra or chromium is missing.

Screenshots go to the test's tmp folder, and to $REGSIM_EXPLORE_SCREENSHOTS when set (docs/images/).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MISSING = [m for m in ("solara", "solara_assets", "playwright") if importlib.util.find_spec(m) is None]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(MISSING), reason=f"the explore extra is not installed ({', '.join(MISSING)})"),
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app(tmp_path):
    """The explorer on a free loopback port, with its own run cache."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "regsim.cli", "explore", "--port", str(port), "--cache",
                             str(tmp_path / "cache")], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert f"regsim explore: open {url}" in (tmp_path / "server.log").read_text()


def image_sources(page) -> dict[str, str]:
    """A digest of each figure's PNG bytes, by view."""
    return {name: page.locator(f".regsim-{name} .regsim-digest").first.text_content()
            for name in ("map", "paths", "frontier", "bands")}


def wait_ready(page, different_from: dict[str, str] | None = None, timeout: float = 300) -> float:
    """Seconds until the view is ready (and its figures differ from ``different_from``)."""
    started = time.time()
    while time.time() - started < timeout:
        ready = page.locator(".regsim-ready").count() and page.locator(".regsim-busy").count() == 0
        if ready and (different_from is None or image_sources(page)["map"] != different_from["map"]):
            return time.time() - started
        page.wait_for_timeout(250)
    raise AssertionError(f"the view was not ready after {timeout} s")


def shoot(page, tmp_path: Path, name: str, selector: str | None = None) -> None:
    path = tmp_path / f"{name}.png"
    (page.locator(selector).first if selector else page).screenshot(path=str(path))
    if os.environ.get("REGSIM_EXPLORE_SCREENSHOTS"):
        folder = Path(os.environ["REGSIM_EXPLORE_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)


def test_explore_moves_a_lever_and_exports_a_reproducible_scenario(app, tmp_path):
    from playwright.sync_api import sync_playwright

    outside, failed = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})

        def local_only(route):  # the app must work with no internet: refuse everything else
            if route.request.url.startswith("http://127.0.0.1"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", local_only)
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(app)
        first = wait_ready(page)
        before = image_sources(page)
        assert all(re.fullmatch(r"[0-9a-f]{16}", digest or "") for digest in before.values()), before
        assert page.locator(".regsim-map img").count() == 1
        assert "3 paired replications" in page.locator(".regsim-ready").inner_text()
        shoot(page, tmp_path, "explore-start")

        # move a lever: the budget slider to its top (10 bn som a year), from the keyboard
        page.locator(".lever-policy-budget-som-per-year .v-slider__thumb-container").first.focus()
        page.keyboard.press("End")
        page.locator(".regsim-busy").first.wait_for(timeout=30_000)
        seconds = wait_ready(page, different_from=before)
        after = image_sources(page)
        changed = [name for name in before if before[name] != after[name]]
        assert {"map", "paths", "frontier", "bands"} <= set(changed), changed
        assert "10 bn som a year" in page.locator("p").first.inner_text()
        print(f"\nfirst view {first:.1f} s; one lever change {seconds:.1f} s; "
              f"{page.locator('.regsim-ready').inner_text()}")
        shoot(page, tmp_path, "explore-lever-moved")
        shoot(page, tmp_path, "explore-map", ".regsim-map")
        page.locator(".regsim-paths").first.scroll_into_view_if_needed()
        shoot(page, tmp_path, "explore-paths", ".regsim-paths")

        # the exported scenario: shown, and downloaded by its button
        toml = page.locator(".regsim-toml-A pre").first.inner_text()
        with page.expect_download() as download:
            page.get_by_text("Export A as scenario TOML").first.click()
        saved = tmp_path / "explore-A.toml"
        download.value.save_as(saved)
        assert saved.read_text().strip() == toml.strip()
        browser.close()
    assert not outside, f"the page asked the internet for {outside}"
    assert not failed, failed

    # regsim run reproduces the numbers behind the view, replication by replication
    assert 'inherits = "baseline"' in toml and "budget_som_per_year = 10000000000.0" in toml
    expected = re.findall(r"seed (\d+): gdp_per_capita_som = ([0-9.e+-]+), poverty_rate = ([0-9.e+-]+)", toml)
    assert len(expected) == 3, toml
    seed, gdp, poverty = expected[0]
    out = tmp_path / "rerun"
    done = subprocess.run([sys.executable, "-m", "regsim.cli", "run", str(saved), "--seed", seed, "--out", str(out),
                           "--quiet"], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    national = pd.read_parquet(out / "national.parquet")
    last = national[national.year == national.year.max()].set_index("metric").value
    assert last["gdp_per_capita_som"] == pytest.approx(float(gdp), rel=1e-12)
    assert last["poverty_rate"] == pytest.approx(float(poverty), rel=1e-12)


@pytest.fixture(scope="module")
def saved_comparison(tmp_path_factory):
    """A small saved comparison for ``regsim explore DIR``."""
    from regsim.cli import main

    folder = tmp_path_factory.mktemp("saved") / "compare"
    assert main(["compare", "--strategies", "none,equalisation_uniform,concentrated", "--hybrid-shares", "",
                 "--replications", "2", "--executor", "serial", "--quiet", "--set", "scale.household_weight=300",
                 "--set", "time.end_year=2019", "--out", str(folder)]) == 0
    return folder


SPOKEN = {  # lang: (words the page must show, the verdict card's title)
    "ru": (("Парный вывод", "Карта населённых пунктов", "Сохранённое сравнение", "вывод"), "Парный вывод"),
    "ky": (("Түгөйлөш корутунду", "Калктуу конуштардын картасы", "Сакталган салыштыруу", "корутунду"),
           "Түгөйлөш корутунду"),
}


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_explore_speaks_the_language_on_a_saved_comparison(saved_comparison, lang, tmp_path):
    """``regsim explore DIR --lang ru|ky``: the page, its cards and tables in that language, the verdict first."""
    from playwright.sync_api import sync_playwright

    folder = saved_comparison
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with (tmp_path / "server.log").open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "regsim.cli", "explore", str(folder), "--port", str(port),
                                 "--lang", lang], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.time() + 90
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        raise AssertionError((tmp_path / "server.log").read_text()) from None
                    time.sleep(0.5)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                page.goto(url)
                page.locator(".regsim-verdict").first.wait_for(timeout=120_000)
                text = page.locator("body").inner_text()
                words, verdict = SPOKEN[lang]
                for word in words:
                    assert word in text, word
                for words in ("Paired verdict", "Map of the settlements", "Saved comparison"):
                    assert words not in text, words
                cards = page.locator(".v-card").all_inner_texts()
                assert cards and cards[0].startswith(verdict)  # the verdict comes first
                shoot(page, tmp_path, f"explore-{lang}")
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
