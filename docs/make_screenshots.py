"""Re-render the README's screenshots of the report and the explorer (docs/images/*.png).

One command, after the model's results moved::

    PYTHONPATH=$PWD python docs/make_screenshots.py                  # runs `regsim compare` first if needed
    PYTHONPATH=$PWD python docs/make_screenshots.py --compare DIR    # an existing default comparison

What it writes, all in headless Chromium (the one the tests use):

- ``report-first-screen.png``, ``report-first-screen-ru.png``, ``report-first-screen-ky.png``: the first
  screen (1366x768) of the default comparison's ``report.html`` rendered with ``--lang en|ru|ky``;
- ``report-map.png``: section 2's map figure (key map, one map per strategy, caption);
- ``explore-lever-moved.png``, ``explore-map.png``, ``explore-ru.png``, ``explore-ky.png``: taken by
  ``tests/test_explore_app.py`` with ``REGSIM_EXPLORE_SCREENSHOTS`` set; only those the README shows are
  copied here (``--no-explorer`` skips them).

The comparison's folder is left with its report in English. Look at every image before committing it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
VIEWPORT = {"width": 1366, "height": 768}
MAP_ALT = {"en": "map of income change by settlement"}


def chromium() -> str:
    """The Chromium executable, or exit with what to install."""
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        sys.exit("make_screenshots: no Chromium found (apt-get install chromium)")
    return found


def report_screens(folder: Path, out: Path) -> list[Path]:
    """Render the report in each language and photograph its first screen (and, in English, the map)."""
    from playwright.sync_api import sync_playwright

    from regsim.cli import main

    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        for lang in ("ru", "ky", "en"):  # English last: the folder keeps its English report
            if main(["report", str(folder), "--lang", lang]) != 0:
                sys.exit(f"make_screenshots: regsim report {folder} --lang {lang} failed")
            page = browser.new_page(viewport=VIEWPORT)
            page.goto((folder / "report.html").as_uri())
            suffix = "" if lang == "en" else f"-{lang}"
            first = out / f"report-first-screen{suffix}.png"
            page.screenshot(path=str(first))
            written.append(first)
            if lang in MAP_ALT:
                figure = page.locator(f"figure:has(img[alt='{MAP_ALT[lang]}'])").first
                path = out / "report-map.png"
                figure.screenshot(path=str(path))
                written.append(path)
            page.close()
        browser.close()
    return written


def explorer_screens(out: Path) -> list[Path]:
    """The explorer's screenshots, taken by its Chromium tests; only those the README shows are kept."""
    readme = (ROOT / "README.md").read_text()
    with tempfile.TemporaryDirectory() as shots:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "REGSIM_EXPLORE_SCREENSHOTS": shots}
        done = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "tests" / "test_explore_app.py"), "-q",
                               "-p", "no:cacheprovider", "-k", "lever or speaks"], env=env, cwd=ROOT, check=False)
        if done.returncode != 0:
            sys.exit("make_screenshots: tests/test_explore_app.py failed; no explorer screenshots")
        kept = [Path(shutil.copy(shot, out / shot.name)) for shot in sorted(Path(shots).glob("*.png"))
                if f"docs/images/{shot.name}" in readme]
    return kept


def say(line: str) -> None:
    """One line of progress on stdout."""
    sys.stdout.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    """Make the comparison if needed, then every screenshot; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compare", type=Path, default=ROOT / "results" / "compare-baseline",
                        help="folder of the default `regsim compare` (made first when it has no summary.csv)")
    parser.add_argument("--out", type=Path, default=IMAGES, help="where the PNGs go (default docs/images)")
    parser.add_argument("--no-explorer", action="store_true", help="only the report's screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if not (args.compare / "summary.csv").is_file():
        from regsim.cli import main as regsim

        say(f"make_screenshots: running the default comparison into {args.compare} (a few minutes)")
        if regsim(["compare", "--out", str(args.compare), "--quiet"]) != 0:
            return 1
    for path in report_screens(args.compare, args.out):
        say(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if not args.no_explorer:
        for path in explorer_screens(args.out):
            say(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
