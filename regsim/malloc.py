"""Process-level tuning of memory management: the C allocator, and the cyclic garbage collector.

glibc serves allocations above the mmap threshold (128 KB at start) with fresh ``mmap`` pages and
returns them on ``free``; every household column temporary (a few hundred KB to tens of MB) then
page-faults anew each year. glibc normally raises the threshold dynamically, but that adjustment
is switched off as soon as ``MALLOC_TRIM_THRESHOLD_`` is set, which Dask's nanny does for every
worker: measured here, elementwise numpy work ran 12x slower in a Dask worker than in a plain
process. Fixing the threshold at 32 MB (and trimming above 64 MB) keeps temporaries in the heap.
It is applied once per process when a model is built; elsewhere than Linux/glibc it does nothing.

The cyclic garbage collector traverses every tracked object of the process in each full
collection: about 200,000 after the imports (pandas, Mesa, numpy, networkx), so a full collection
costs about 0.1 s of CPU, and the firm agents a run creates and removes (about 35,000 at the
default scale) trigger one or more per run. :func:`freeze_long_lived` moves the objects alive
before the first model of a process (modules, the cached world) into the permanent generation
(``gc.freeze``, CPython >= 3.7), which full collections skip; a run's own objects are collected
as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024  # glibc's maximum on 64-bit
TRIM_THRESHOLD_BYTES = 64 * 1024 * 1024

_tuned = False
_frozen = False


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library on Linux (loaded once), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def tune() -> bool:
    """Set glibc's mmap and trim thresholds for this process (idempotent); True if applied."""
    global _tuned
    if _tuned:
        return True
    libc = _glibc()
    if libc is None:
        return False
    try:
        ok = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
        ok = libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1 and ok
    except AttributeError:  # not glibc
        return False
    _tuned = ok
    return ok


def trim() -> bool:
    """Return the heap's free memory to the system (``malloc_trim(0)``); True if it released any.

    Called after each run in a batch worker: between runs the heap holds up to the trim threshold
    of freed temporaries, which would otherwise show as resident memory growing over the first runs.
    """
    libc = _glibc()
    try:
        return libc is not None and bool(libc.malloc_trim(0))
    except AttributeError:  # not glibc
        return False


def freeze_long_lived() -> bool:
    """Collect, then freeze every object alive into the permanent generation, once per process; True the first time.

    Called when a model is allocated (``RegionalModel.__new__``), before it exists: what is alive
    then (imported modules, the cached world, the caller's objects) lives as long as the process,
    and full collections no longer traverse it. Objects frozen stay uncollected if they later become cyclic garbage,
    so it is done once, not per model.
    """
    global _frozen
    if _frozen:
        return False
    _frozen = True
    gc.collect()
    gc.freeze()
    return True
