"""regsim: agent-based simulation of regional development policy in the Kyrgyz Republic.

Compare concentrated support of the 20 growth centres of the 2017 Regional Policy Concept with
equalisation and other allocations of one limited budget. See ``docs/ODD.md`` for the model.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
