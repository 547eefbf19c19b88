"""Regenerate docs/metrics.md from the metric registry (``regsim.metrics()``).

Run from the repository root after adding or changing a metric: ``python docs/make_metrics_table.py``;
``tests/test_research_api.py`` fails while the page is stale.
"""

from pathlib import Path

from regsim.api import metrics_markdown

if __name__ == "__main__":
    Path("docs/metrics.md").write_text(metrics_markdown())
