"""Sweeps: a grid over config key paths times a list of seeds, one run directory per point.

A sweep is a normal experiment config with a ``sweep:`` section (after ``extends:`` merging
and ``--set`` overrides)::

    extends: sib200.yaml
    name: sweep-mcs
    sweep:
      grid:
        hdbscan.min_cluster_size: [10, 15, 25, 40]
      seeds: [0, 1, 2]

The grid is the Cartesian product of the listed values, in the order written; every grid
cell runs once per seed. Each point is an ordinary run (:func:`toolkit.experiment.run_experiment`)
written to its own folder inside one sweep folder::

    <sweep folder>/                       <output.dir>/<name>-<timestamp>/ or --out
      sweep.json                          definition and status of every point (marks the folder)
      min_cluster_size-10_seed-0/         a complete run directory (or absent)
      ...
      summary.csv                         one row per point: status, timings, every scalar metric
      cells.csv                           one row per grid cell: mean and std over seeds, stability
      summary.md                          the same for people

Points share the content-addressed cache, so a sweep over HDBSCAN or topic-description
settings embeds the corpus once and reduces it with UMAP once per seed. A point that fails
(any :class:`~toolkit.errors.ToolkitError`) is recorded with its error and the sweep goes on.
Run directories appear complete or not at all, so rerunning a sweep with the same ``--out``
skips the points already complete: an interrupted sweep resumes where it stopped.

Modules: ``points`` (the ``sweep:`` section expanded into points and their configs),
``point`` (running or resuming one point, shared by every backend), ``run``
(:func:`run_sweep`), ``summary`` (the CSV and Markdown tables), ``ray`` (one Ray task per
point).
"""


from toolkit.sweep.points import PointResult, SweepOutcome, SweepPoint, expand_sweep, point_config
from toolkit.sweep.run import SUMMARY_FILES, run_sweep
from toolkit.sweep.summary import summarize_cells

__all__ = [
    "SweepPoint",
    "PointResult",
    "SweepOutcome",
    "expand_sweep",
    "point_config",
    "run_sweep",
    "summarize_cells",
    "SUMMARY_FILES",
]
