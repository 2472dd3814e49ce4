"""The ``topicbridge`` command line: a thin typer layer over the library.

User mistakes (every :class:`~toolkit.errors.ToolkitError`) print as one readable message and
exit with status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import typer
from rich.console import Console
from typer.core import TyperGroup

from toolkit.errors import Interrupted, ToolkitError

#: Options of the whole command line, accepted before or after the subcommand.
GLOBAL_FLAGS = ("--debug", "--quiet", "-q")


class _GlobalFlagsGroup(TyperGroup):
    """The top-level group: ``--debug`` and ``--quiet`` may also follow the subcommand
    (``topicbridge run X --quiet``); they are moved before it, up to a ``--``."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        end = args.index("--") if "--" in args else len(args)
        flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
        rest = [a for a in args[:end] if a not in GLOBAL_FLAGS]
        return super().parse_args(ctx, flags + rest + args[end:])

    def get_command(self, ctx, cmd_name: str):
        cmd = super().get_command(ctx, cmd_name)
        for sub in [cmd, *getattr(cmd, "commands", {}).values()]:
            if sub is not None and not getattr(sub, "epilog", None):
                sub.epilog = GLOBAL_HELP
        return cmd


GLOBAL_HELP = "Global options, before or after the command: --debug (tracebacks, debug logs), -q/--quiet (no progress)."


# Plain help (rich_markup_mode=None): typer's rich help prints a `<bool>` value after every
# flag, which reads as if `--debug` took one.
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  cls=_GlobalFlagsGroup, rich_markup_mode=None,
                  help="Multilingual topic modelling: run experiment configs and read their reports. "
                       "--debug and --quiet may come before or after the command.")
config_app = typer.Typer(no_args_is_help=True, help="Show or check experiment configs.")
cache_app = typer.Typer(no_args_is_help=True, help="Inspect or clear the embedding cache.")
runs_app = typer.Typer(no_args_is_help=True, help="List past runs.")
themes_app = typer.Typer(no_args_is_help=True, help="Validate a run's named themes against a human coder.")
app.add_typer(config_app, name="config")
app.add_typer(cache_app, name="cache")
app.add_typer(runs_app, name="runs")
app.add_typer(themes_app, name="themes")

err = Console(stderr=True)
out = Console()
_state = {"debug": False}


@app.callback()
def _main(debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars.")) -> None:
    _state["debug"] = debug
    _state["quiet"] = quiet
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except ToolkitError as exc:
        if _state["debug"]:
            raise
        for i, line in enumerate(str(exc).splitlines() or [type(exc).__name__]):
            print(("error: " if i == 0 else "       ") + line, file=sys.stderr)
        raise typer.Exit(2) from None
    except KeyboardInterrupt as exc:
        print(str(exc) if isinstance(exc, Interrupted) else "interrupted: nothing was saved", file=sys.stderr)
        raise typer.Exit(130) from None


@contextmanager
def _progress_bars() -> Iterator[Callable]:
    """The progress hook of :mod:`toolkit.progress` on stderr, with the global flags."""
    from toolkit.progress import progress_bars

    with progress_bars(err, quiet=bool(_state.get("quiet")), debug=bool(_state.get("debug"))) as hook:
        yield hook


def _print_warnings(metrics: dict) -> None:
    """A run's warnings (metrics.json ``warnings``), one ``warning:`` line each, on stderr."""
    for w in metrics.get("warnings") or []:
        print(f"warning: {w}", file=sys.stderr)


def _set_offline_default() -> None:
    # Hub downloads are opt-in (embedding.allow_download); without this sentence-transformers
    # retries an unreachable hub for about a minute.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@app.command()
def run(config: Optional[Path] = typer.Argument(None, help="Experiment config (YAML); optional with --corpus."),
        set_: Optional[List[str]] = typer.Option(None, "--set", help="Override a key: key.path=value (repeatable)."),
        out: Optional[Path] = typer.Option(None, "--out", help="Exact run directory (new or empty)."),
        corpus: Optional[Path] = typer.Option(
            None, "--corpus", help="The corpus file or folder (sets corpus.path); without a config every other "
            "setting is the default and the unit is chosen from the text lengths."),
        ) -> None:
    """Run one experiment and write its run directory."""
    with _user_errors():
        from toolkit.config import load_config, load_config_dict
        from toolkit.errors import ConfigError

        if config is None and corpus is None:
            raise ConfigError("name a config file or a corpus: topicbridge run CONFIG, or topicbridge run "
                              "--corpus FILE")
        if corpus is not None:
            from toolkit.config_starter import corpus_config

            cfg, note = corpus_config(corpus, set_ or [], base=load_config_dict(config) if config else None)
            if note:
                print(f"corpus.unit: {cfg.corpus.unit} ({note}; set --set corpus.unit=... to choose)")
        else:
            cfg = load_config(config, set_ or [])
        if not cfg.embedding.allow_download:
            _set_offline_default()
        from toolkit.experiment import run_experiment

        with _progress_bars() as hook:
            outcome = run_experiment(cfg, out=out, progress=hook)
        m = outcome.metrics
        for note in (outcome.manifest or {}).get("input_warnings", []):  # files not read as UTF-8
            if note not in (m.get("warnings") or []):
                print(f"warning: {note}", file=sys.stderr)
        summary = f"{m.get('n_topics', '?')} topics, outliers {m.get('outlier_share', 0):.0%}"
        _print_warnings(m)
        print(f"run written to {outcome.path}  ({summary})")


@app.command()
def init(path: Path = typer.Argument(Path("topicbridge.yaml"), help="The config file to write (must not exist)."),
         corpus: Optional[Path] = typer.Option(
             None, "--corpus", help="Fill in corpus.path, and corpus.unit chosen from the text lengths."),
         ) -> None:
    """Write a commented starter config: the main keys with their defaults and what each does."""
    with _user_errors():
        from toolkit.config_starter import choose_unit, starter_config
        from toolkit.errors import ConfigError
        from toolkit.files import atomic_write

        if path.exists():
            raise ConfigError(f"{path} exists; name a new file (topicbridge init other.yaml) or remove it")
        unit, note = choose_unit(corpus) if corpus is not None else (None, None)
        text = starter_config(str(corpus) if corpus is not None else None, unit).encode("utf-8")
        atomic_write(path, lambda fh: fh.write(text))
        print(f"config written to {path}" + (f"  (corpus.unit: {unit}: {note})" if note else ""))
        print(f"run it with: topicbridge run {path}")


@app.command()
def apply(run_dir: Path = typer.Argument(..., help="A finished run directory with a saved model (model/)."),
          corpus: Path = typer.Option(..., "--corpus", help="The new corpus: a file or a folder of .txt files."),
          format_: str = typer.Option("auto", "--format", help="auto, txt, jsonl, csv or parquet."),
          out: Optional[Path] = typer.Option(None, "--out", help="Exact run directory (new or empty)."),
          ) -> None:
    """Assign a new corpus to a finished run's topics; report the drift against the training corpus."""
    with _user_errors():
        _set_offline_default()
        from toolkit.experiment import apply_model

        with _progress_bars() as hook:
            outcome = apply_model(run_dir, corpus, corpus_format=format_, out=out, progress=hook)
        drift = outcome.metrics.get("drift", {})
        print(f"run written to {outcome.path}  ({len(outcome.corpus)} units; {drift.get('far_units', 0)} far from "
              f"every topic)")


@app.command()
def curate(run_dir: Path = typer.Argument(..., help="A finished run directory with a saved model (model/)."),
           merge: Optional[List[str]] = typer.Option(
               None, "--merge", help="Topics to merge into one, comma-separated: --merge 1,4 (repeatable)."),
           label: Optional[List[str]] = typer.Option(
               None, "--label", help='Name a topic: --label 3="Medical tourism" (repeatable).'),
           reduce_to: Optional[int] = typer.Option(None, "--reduce", help="Join the most similar topics until N remain."),
           level: Optional[int] = typer.Option(
               None, "--level", help="Cut the topic tree at N topics (a coarser level, no refit)."),
           out: Optional[Path] = typer.Option(None, "--out", help="Exact run directory (new or empty)."),
           ) -> None:
    """Write a new run with topics merged, renamed, reduced or cut to a coarser level (ids as in RUN_DIR's report)."""
    with _user_errors():
        _set_offline_default()
        from toolkit.experiment import curate_run

        groups = [_topic_list(item) for item in merge or []]
        names = dict(_topic_label(item) for item in label or [])
        with _progress_bars() as hook:
            outcome = curate_run(run_dir, merge=groups, labels=names, reduce_to=reduce_to, out=out, progress=hook,
                                 level=level)
        print(f"run written to {outcome.path}  ({outcome.metrics.get('n_topics', '?')} topics)")


def _topic_list(item: str) -> list[int]:
    from toolkit.errors import ParameterError

    try:
        ids = [int(part) for part in item.split(",") if part.strip()]
    except ValueError:
        ids = []
    if len(ids) < 2:
        raise ParameterError("--merge", f"expected two or more topic ids separated by commas, e.g. 1,4; got {item!r}")
    return ids


def _topic_label(item: str) -> tuple[int, str]:
    from toolkit.errors import ParameterError

    key, sep, name = item.partition("=")
    try:
        topic = int(key)
    except ValueError:
        topic = None
    if not sep or topic is None or not name.strip():
        raise ParameterError("--label", f'expected TOPIC=NAME, e.g. 3="Medical tourism"; got {item!r}')
    return topic, name.strip().strip('"').strip("'")


@app.command()
def sweep(config: Path = typer.Argument(..., help="Config with a 'sweep:' section (grid and seeds)."),
          set_: Optional[List[str]] = typer.Option(None, "--set", help="Override a key: key.path=value (repeatable)."),
          out: Optional[Path] = typer.Option(None, "--out", help="Sweep folder; rerun with the same folder to resume."),
          backend: Optional[str] = typer.Option(
              None, "--backend", help="local or ray (one Ray task per point); default: execution.backend."),
          ) -> None:
    """Run every point of a sweep (grid x seeds) and write a summary table."""
    with _user_errors():
        from toolkit.sweep import run_sweep

        with _progress_bars() as hook:
            outcome = run_sweep(config, set_ or [], out=out, progress=hook, backend=backend)
        failed = [p for p in outcome.points if getattr(p, "status", "ok") == "failed"]
        for p in outcome.points:
            for w in getattr(p, "warnings", []):
                print(f"warning: {p.name}: {w}", file=sys.stderr)
        print(f"sweep written to {outcome.path}  ({len(outcome.points)} points, {len(failed)} failed)")
        print(f"summary: {outcome.summary_md}")
        if failed:
            raise typer.Exit(1)


@app.command()
def embed(config: Path = typer.Argument(..., help="Experiment config; its corpus must be JSONL or Parquet."),
          set_: Optional[List[str]] = typer.Option(None, "--set", help="Override a key: key.path=value (repeatable)."),
          ) -> None:
    """Fill the embedding cache from the corpus files on Ray, without loading the corpus here."""
    with _user_errors():
        from toolkit.config import load_config
        from toolkit.distributed.runtime import require_ray

        cfg = load_config(config, set_ or [])
        if not cfg.embedding.allow_download:
            _set_offline_default()
        require_ray()
        from toolkit.distributed.stream import embed_files_ray

        with _progress_bars() as hook:
            stats = embed_files_ray(cfg, hook)
        print(f"embedded {stats['segments']} segments ({stats['computed']} new) with {stats['workers']} "
              f"Ray workers into {stats['cache']}")


@app.command()
def report(run_dir: Path = typer.Argument(..., help="A finished run directory."),
           compare: Optional[Path] = typer.Option(None, "--compare", help="A second run: render a comparison."),
           out: Optional[Path] = typer.Option(None, "--out", help="Where to write (default: the run directory).")) -> None:
    """Rebuild report.md/report.html from a finished run (no recomputation)."""
    with _user_errors():
        from toolkit.report import write_comparison, write_report

        if compare is not None:
            paths = write_comparison(run_dir, compare, out or Path("."))
        else:
            paths = write_report(run_dir, out)
        for p in paths:
            print(p)


@app.command("compare")
def compare_cmd(run_a: Path = typer.Argument(...), run_b: Path = typer.Argument(...)) -> None:
    """Print metric differences and how topics map between two runs."""
    with _user_errors():
        from toolkit.report.compare import compare_text

        print(compare_text(run_a, run_b))


@config_app.command("show")
def config_show(config: Path = typer.Argument(...),
                set_: Optional[List[str]] = typer.Option(None, "--set", help="key.path=value")) -> None:
    """Print the fully resolved config (extends merged, overrides applied, defaults filled)."""
    with _user_errors():
        from toolkit.config import config_to_yaml, load_config

        print(config_to_yaml(load_config(config, set_ or [])), end="")


@config_app.command("validate")
def config_validate(configs: List[Path] = typer.Argument(..., help="Config files to check.")) -> None:
    """Check configs without running; one line per problem, non-zero exit if any."""
    from toolkit.config import load_config

    bad = 0
    for path in configs:
        try:
            load_config(path)
        except ToolkitError as exc:
            bad += 1
            for line in str(exc).splitlines():
                print(line if line.startswith(str(path)) else f"{path}: {line}", file=sys.stderr)
        else:
            print(f"{path}: ok")
    if bad:
        raise typer.Exit(2)


@config_app.command("keys")
def config_keys(markdown: bool = typer.Option(False, "--markdown", help="Print the Markdown reference.")) -> None:
    """List every config key with its type, default and meaning."""
    from toolkit.config_docs import config_reference, iter_keys

    if markdown:
        print(config_reference(), end="")
        return
    for path, kind, default, desc in iter_keys():
        print(f"{path} ({kind.replace(chr(92), '')}; default {default or '-'}): {desc}")


@runs_app.command("list")
def runs_list(output_dir: Path = typer.Argument(Path("runs"), help="Folder holding run directories.")) -> None:
    """List finished runs with their key metrics."""
    with _user_errors():
        from toolkit.runs import list_runs

        found = list_runs(output_dir)
        if not found:
            print(f"no runs under {output_dir}")
            return

        def fmt(v) -> str:
            return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

        header = ("run", "created", "topics", "outliers", "nmi", "agreement", "nmi_lang")
        lines = [header] + [
            (str(r.path.relative_to(output_dir)), r.created[:19], fmt(r.metrics.get("n_topics")),
             fmt(r.metrics.get("outlier_share")), fmt(r.metrics.get("nmi")),
             fmt(r.metrics.get("parallel_agreement")), fmt(r.metrics.get("nmi_language")))
            for r in found
        ]
        widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
        for row in lines:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


@themes_app.command("sample")
def themes_sample(run_dir: Path = typer.Argument(..., help="A finished run directory with named themes."),
                  n: int = typer.Option(100, "--n", help="Units to sample (stratified by theme and language)."),
                  out_file: Path = typer.Option(..., "--out", help="Coding file to write (CSV)."),
                  seed: int = typer.Option(0, "--seed", help="Seed of the draw."),
                  force: bool = typer.Option(False, "--force", help="Replace an existing coding file.")) -> None:
    """Write a coding sample: units with an empty `code` column for a human coder."""
    with _user_errors():
        from toolkit.validation import write_coding_sample

        count = write_coding_sample(run_dir, out_file, n, seed=seed, force=force)
        print(f"{count} units written to {out_file}; fill in the code column (a theme name or none), then run "
              f"`topicbridge themes score {run_dir} {out_file}`")


@themes_app.command("score")
def themes_score(run_dir: Path = typer.Argument(..., help="The run the sample was drawn from."),
                 coding: Path = typer.Argument(..., help="The coding file with its code column filled in.")) -> None:
    """Precision, recall, F1 and Cohen's kappa of the run's themes against the codes."""
    with _user_errors():
        from toolkit.validation import score_coding

        s = score_coding(run_dir, coding)
        kappa = "-" if s["kappa"] is None else f"{s['kappa']:.3f}"
        print(f"{s['units']} coded units: accuracy {s['accuracy']:.3f}, Cohen's kappa {kappa}")
        for name, v in s["per_theme"].items():
            cells = ["-" if v[m] is None else f"{v[m]:.2f}" for m in ("precision", "recall", "f1")]
            print(f"  {name}: precision {cells[0]}  recall {cells[1]}  F1 {cells[2]}  (coded {v['coded']})")
        print(f"saved to {Path(run_dir) / 'validation.json'}; the report shows them")


@cache_app.command("info")
def cache_info_cmd(cache_dir: Optional[Path] = typer.Option(None, "--dir", help="Cache folder.")) -> None:
    """Show what the embedding cache holds."""
    with _user_errors():
        from toolkit.cache import default_cache_dir
        from toolkit.cache.admin import cache_info

        root = cache_dir or default_cache_dir()
        info = cache_info(root)
        print(f"cache: {root}")
        for key, value in info.items():
            print(f"  {key}: {value}")


@cache_app.command("clear")
def cache_clear_cmd(cache_dir: Optional[Path] = typer.Option(None, "--dir", help="Cache folder.")) -> None:
    """Delete everything in the embedding cache."""
    with _user_errors():
        from toolkit.cache import default_cache_dir
        from toolkit.cache.admin import clear_cache

        root = cache_dir or default_cache_dir()
        freed = clear_cache(root)
        print(f"cleared {root} ({freed / 1e6:.1f} MB freed)")


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
