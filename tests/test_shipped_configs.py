"""Every config in configs/ runs, on a small slice of its corpus."""

from pathlib import Path

import pytest

from toolkit.config import load_config, load_config_dict

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


def _is_sweep(path: Path) -> bool:
    return "sweep" in load_config_dict(path)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in CONFIGS if not _is_sweep(p)], ids=lambda p: p.name)
def test_config_runs_on_a_slice(path, tmp_path, in_repo):
    from toolkit.experiment import run_experiment

    cfg = load_config(path, ["corpus.limit=60", f"output.dir={tmp_path}"])
    outcome = run_experiment(cfg)
    assert outcome.path.is_dir()
    assert (outcome.path / "report.html").is_file()
    assert len(outcome.corpus.segments) >= 6


@pytest.mark.parametrize("path", [p for p in CONFIGS if _is_sweep(p)], ids=lambda p: p.name)
def test_sweep_config_expands(path):
    from toolkit.sweep import expand_sweep

    points = expand_sweep(load_config_dict(path))
    assert len(points) >= 2
