"""Errors a user can fix (``RegsimError`` and its family) and bugs (``InvariantError``).

The CLI turns a ``RegsimError`` into one line on stderr and exit status 2. An ``InvariantError``
is a broken accounting identity inside the model: a bug, so it keeps its traceback.
"""

from __future__ import annotations


class RegsimError(Exception):
    """A problem the user can fix: bad input, unknown name, impossible value."""


class ScenarioError(RegsimError):
    """A scenario file, override or parameter value is invalid."""


class DataError(RegsimError):
    """An embedded or user-supplied data file is missing or inconsistent."""


class ExperimentError(RegsimError):
    """An experiment file or batch directory is invalid."""


class InvariantError(RuntimeError):
    """An accounting identity of the model was violated: a bug, not a user error."""


class ArgumentError(RegsimError):
    """An argument of an API function is invalid; the message names it as the caller wrote it (``seed=``)."""
