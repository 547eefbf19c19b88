"""``regsim explore``: a local web app where policy staff move the levers and watch the country respond.

Built with Solara (the stack of Mesa's SolaraViz), served on 127.0.0.1 with its JavaScript and
fonts from the ``solara-assets`` package, so it works with no internet. Optional dependencies:
``pip install "regsim[explore]"``. The modules:

- :mod:`~regsim.explore.levers`: the levers and beliefs, their bounds, the scenario TOML of a choice;
- :mod:`~regsim.explore.runs`: the run cache (params hash and seed) over the batch executors;
- :mod:`~regsim.explore.views`: figures and tables of a comparison (pure, no model, no web);
- :mod:`~regsim.explore.saved`: a saved ``regsim compare`` / ``regsim batch`` folder, browsed;
- :mod:`~regsim.explore.session`: one view, computed in a background thread;
- :mod:`~regsim.explore.app`: the Solara page.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Final

from regsim.errors import RegsimError

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8765  # Solara's own default
REQUIRED: Final = ("solara", "solara_assets")
INSTALL_HINT: Final = 'pip install "regsim[explore]"'
# imported once in the forkserver, so each pool worker starts with the model loaded (about 3 s less a change)
PRELOAD: Final = ["regsim.batch.executors", "regsim.model.simulation", "regsim.scenario"]


def missing_dependencies() -> list[str]:
    """Optional packages of the ``explore`` extra that are not installed."""
    return [name for name in REQUIRED if importlib.util.find_spec(name) is None]


def free_port(host: str = DEFAULT_HOST, preferred: int = DEFAULT_PORT) -> int:
    """``preferred`` if nothing listens there, else a free port chosen by the system."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RegsimError(f"no free port on {host}")


def serve(folder: str | Path | None = None, host: str = DEFAULT_HOST, port: int | None = None,
          cache: str | Path | None = None, executor: str = "processes", workers: int | None = None,
          announce: Callable[[str], None] | None = None, lang: str | None = None) -> int:
    """Start the explorer and serve it until interrupted.

    Args:
        folder: A ``regsim compare`` or ``regsim batch`` folder to browse (nothing runs), or None for
            live runs.
        host: Address to listen on (loopback by default: the app is for this machine only).
        port: Port; None for 8765 or, if taken, a free one; 0 for a free one.
        cache: Folder of the run cache (default ``~/.cache/regsim/explore``).
        executor: Executor of the runs (``processes``, ``serial`` or ``dask``), as ``regsim batch``.
        workers: Worker processes (default: all local cores).
        announce: Called with the address just before the server starts (the CLI prints it).
        lang: Language of the page (:data:`regsim.i18n.LANGUAGES`; default English).

    Returns:
        The exit status of the server.

    Raises:
        RegsimError: if the extra is not installed, the folder is not a finished batch, or the port is taken.
    """
    missing = missing_dependencies()
    if missing:
        raise RegsimError(f"regsim explore needs {', '.join(missing)}: {INSTALL_HINT}")
    if folder is not None:
        from regsim.explore import saved

        saved.load(folder)  # fail now, in one line, rather than in the browser
    chosen = _choose_port(host, port)
    os.environ.update(_environment(folder, cache, executor, workers))
    os.environ["REGSIM_EXPLORE_LANG"] = lang or ""  # read by regsim.explore.app (ENV_LANG)
    import multiprocessing

    multiprocessing.set_forkserver_preload(PRELOAD)
    if announce is not None:
        announce(f"http://{host}:{chosen}/")
    from solara.__main__ import cli as solara_cli

    args = ["run", "regsim.explore.app", "--host", host, "--port", str(chosen), "--production", "--no-open",
            "--no-check-version", "--log-level", "warning"]
    try:
        solara_cli.main(args=args, standalone_mode=False, prog_name="regsim explore")
    except KeyboardInterrupt:
        return 0
    except SystemExit as exit_:
        return int(exit_.code or 0)
    finally:
        sys.stdout.flush()
    return 0


def _choose_port(host: str, port: int | None) -> int:
    """The port to serve on: 8765 or a free one (None), any free one (0), or ``port`` if it can be bound."""
    if port is None or port == 0:
        return free_port(host) if port is None else free_port(host, 0)
    if not 0 < port <= 65535:
        raise RegsimError(f"--port {port}: not a port; allowed: 1-65535 (or 0 for any free one)")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as err:
            raise RegsimError(f"--port {port}: cannot listen on {host}:{port} ({err.strerror})") from None
    return port


def _environment(folder: str | Path | None, cache: str | Path | None, executor: str,
                 workers: int | None) -> dict[str, str]:
    """Environment variables the app (another process under Solara) reads its settings from."""
    env = {
        "REGSIM_EXPLORE_DIR": str(Path(folder).resolve()) if folder is not None else "",
        "REGSIM_EXPLORE_EXECUTOR": executor,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",  # no calls home: the app works offline
        "SOLARA_ASSETS_PROXY": "true",  # serve the JavaScript and fonts of solara-assets from this server
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }
    if cache is not None:
        env["REGSIM_EXPLORE_CACHE"] = str(Path(cache).resolve())
    if workers is not None:
        env["REGSIM_EXPLORE_WORKERS"] = str(workers)
    return env
