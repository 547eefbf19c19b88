"""Batches: experiment designs run on serial, process-pool, Dask or sharded executors.

``experiment`` reads and checks experiment files and builds their designs, ``executors`` runs
runs (serial, process pool, Dask, Slurm shards), ``store`` keeps the results directory
(manifest, one Parquet file per run, resume) and ``runner`` ties them together in
:func:`run_batch`.
"""

from regsim.batch.runner import (
    MAX_RUNS,
    BatchIncomplete,
    RunsFailed,
    default_workers,
    design_size,
    run_batch,
    run_table,
)

__all__ = ["MAX_RUNS", "BatchIncomplete", "RunsFailed", "default_workers", "design_size", "run_batch", "run_table"]
