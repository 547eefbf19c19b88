"""The embedded Kyrgyz dataset (CSV files with SOURCES.md) and its loader."""
