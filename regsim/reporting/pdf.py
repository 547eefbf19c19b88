"""``report.pdf``: the report printed to A4 by headless Chromium (``regsim report DIR --pdf``).

The page's print stylesheet (``report.CSS``, ``@media print``) keeps every table column on the page,
opens the collapsed parameter table and keeps headings with what follows; Chromium applies it when
printing. No Python PDF library is needed; the browser the tests already use does the layout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from regsim import files
from regsim.errors import RegsimError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_ENV = "REGSIM_CHROMIUM"  # path of a Chromium-like browser, if not on PATH
PRINT_TIMEOUT_S = 180


class PdfError(RegsimError):
    """No browser to print with, or the browser failed."""


def find_browser() -> str:
    """The headless browser to print with: ``$REGSIM_CHROMIUM`` or the first of :data:`BROWSERS` on PATH.

    Raises:
        PdfError: none is installed, naming what to install.
    """
    chosen = os.environ.get(BROWSER_ENV)
    if chosen:
        if shutil.which(chosen) is None:
            raise PdfError(f"{BROWSER_ENV}={chosen}: no such executable")
        return chosen
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError("--pdf needs headless Chromium and none was found (tried "
                   f"{', '.join(BROWSERS)}); install it (Debian/Ubuntu: apt-get install chromium) or set "
                   f"{BROWSER_ENV}")


def print_pdf(page: str | Path, out: str | Path) -> Path:
    """Print the HTML file ``page`` to the A4 PDF ``out`` (replaced atomically) and return ``out``.

    Raises:
        PdfError: no browser, or the browser failed or wrote nothing.
    """
    browser, page, out = find_browser(), Path(page).resolve(), Path(out)
    with tempfile.TemporaryDirectory(prefix="regsim-pdf-") as tmp:
        target = Path(tmp) / "report.pdf"
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
                   "--run-all-compositor-stages-before-draw", f"--print-to-pdf={target}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"{browser}: printing {page} took more than {PRINT_TIMEOUT_S} s") from exc
        if not target.is_file() or target.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise PdfError(f"{browser} wrote no PDF for {page} (exit {done.returncode}: {last})")
        files.atomic_write(out, lambda p: shutil.copyfile(target, p))
    return out
