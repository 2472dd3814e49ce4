"""The command line's progress display: one rich bar per stage of a run, saying what it does.

``progress_bars`` yields the ``progress(stage, total)`` hook that
:func:`~toolkit.experiment.run_experiment` and friends call. A stage of known size shows
``done/total``; one without shows a pulsing bar, a note on what it does and the toolkit's
latest INFO message (the topic counts tried, the one chosen), never ``0/?``. Without a terminal
(and without ``TOPICBRIDGE_PROGRESS=1``) each stage is one ``[stage] note`` line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

__all__ = ["STAGE_NOTES", "StageNotes", "progress_bars"]


#: What each long stage is doing, shown next to its bar.
STAGE_NOTES = {
    "load": "reading and segmenting the corpus", "embed": "embedding units", "reduce": "UMAP reduction",
    "topics": "clustering and describing topics", "assign": "assigning the remaining units in chunks",
    "keywords": "keywords per topic and language", "map": "2-D map of the units", "report": "writing the report",
    "write": "writing the run directory", "curate": "merging and renaming topics",
    "themes": "matching units to the named themes", "evaluate": "computing the metrics",
    "corpus": "reading and segmenting the corpus", "align": "removing the language bias",
}


class StageNotes(logging.Handler):
    """Shows the toolkit's latest INFO message (e.g. the topic counts tried and the one chosen)
    next to the running stage's bar; warnings go on to the usual handlers."""

    def __init__(self, show: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.show = show

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            logging.getLogger().handle(record)
        elif not record.getMessage().startswith("stage "):  # the stage timer's own line
            self.show(record.getMessage())


@contextmanager
def progress_bars(err: Console, *, quiet: bool = False, debug: bool = False) -> Iterator[Callable]:
    """A ``Progress`` hook for run_experiment backed by rich progress bars on ``err``.

    A stage with a known size shows ``done/total``; one without shows a pulsing bar, what it
    does and the toolkit's latest message about it (never ``0/?``), then ``done``.
    """
    if quiet or not err.is_terminal and os.environ.get("TOPICBRIDGE_PROGRESS") != "1":
        def simple(stage: str, total: int | None):
            if not quiet:
                note = STAGE_NOTES.get(stage, "")
                err.print(f"[{stage}]" + (f" {note}" + (f" ({total:,})" if total else "") if note else ""),
                          markup=False, highlight=False)
            return lambda n: None
        yield simple
        return
    from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class Count(ProgressColumn):
        def render(self, task) -> Text:
            if task.total is None:
                return Text("")
            if task.finished and task.fields.get("open"):
                return Text("done", style="progress.download")
            return Text(f"{int(task.completed):,}/{int(task.total):,}", style="progress.download")

    bars = Progress(SpinnerColumn(), TextColumn("{task.description:<8}"), BarColumn(), Count(),
                    TimeElapsedColumn(), TextColumn("{task.fields[note]}", style="dim"), console=err,
                    transient=False)
    tasks: dict[str, int] = {}
    current: list[int] = []

    def finish(tid: int) -> None:
        task = bars.tasks[tid]
        if task.total is None:
            bars.update(tid, total=1, completed=1, open=True)
        else:
            bars.update(tid, completed=task.total)

    def hook(stage: str, total: int | None):
        for name, tid in tasks.items():
            if name != stage:
                finish(tid)
        tid = tasks.get(stage)
        if tid is None:
            note = STAGE_NOTES.get(stage, "")
            tid = tasks[stage] = bars.add_task(stage, total=total, note=note, base=note)
        current[:] = [tid]
        return lambda n: bars.advance(tid, n)

    def show(message: str) -> None:
        if current:
            base = bars.tasks[current[0]].fields.get("base", "")
            bars.update(current[0], note=(f"{base}: " if base else "") + message[:90])

    toolkit_log = logging.getLogger("toolkit")
    notes = None
    if not debug:
        notes = StageNotes(show)
        saved = toolkit_log.level, toolkit_log.propagate
        toolkit_log.addHandler(notes)
        toolkit_log.setLevel(logging.INFO)
        toolkit_log.propagate = False
    try:
        with bars:
            yield hook
            for tid in tasks.values():
                finish(tid)
    finally:
        if notes is not None:
            toolkit_log.removeHandler(notes)
            toolkit_log.setLevel(saved[0])
            toolkit_log.propagate = saved[1]
