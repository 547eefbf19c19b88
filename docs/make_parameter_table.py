"""Regenerate the parameter table of docs/ODD.md section 7.10 from ``regsim.params.describe()``.

Run from the repository root after changing a parameter: ``python docs/make_parameter_table.py``.
"""

from pathlib import Path
from typing import Any

from regsim.params import describe

HEADER = "| key | default | unit | allowed | plausible | source |"


def _number(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def table_row(record: dict[str, Any]) -> str:
    """One Markdown row for a parameter record of ``describe()``."""
    lo, hi = record["bounds"] if record["bounds"] else (None, None)
    allowed = f"[{'' if lo is None else _number(lo)}, {'' if hi is None else _number(hi)}]"
    if record["choices"]:
        allowed = ", ".join(record["choices"])
    plausible = record["plausible"]
    span = f"{_number(plausible[0])}-{_number(plausible[1])}" if plausible else ""
    return (f"| `{record['key']}` | {_number(record['default'])} | {record['unit']} | {allowed} | {span} "
            f"| {record['source']} |")


def main(path: Path = Path("docs/ODD.md")) -> None:
    """Replace the table rows under ``HEADER`` in ``path``."""
    lines = path.read_text().splitlines()
    head = lines.index(HEADER)
    end = head + 2
    while lines[end].startswith("|"):
        end += 1
    lines[head + 2:end] = [table_row(r) for r in describe()]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
