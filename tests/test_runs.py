import datetime as dt

import pytest

from toolkit.errors import RunError
from toolkit.runs import RUN_FILES, RunWriter, is_complete_run, list_runs, plan_run_dir

NOW = dt.datetime(2026, 1, 2, 3, 4, 5)


def test_timestamped_names_never_collide(tmp_path):
    first = plan_run_dir(tmp_path, "exp", now=NOW)
    assert first == tmp_path / "exp-20260102-030405"
    first.mkdir()
    second = plan_run_dir(tmp_path, "exp", now=NOW)
    assert second == tmp_path / "exp-20260102-030405-2"


def test_out_must_be_new_or_empty(tmp_path):
    assert plan_run_dir(tmp_path, "x", tmp_path / "new") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    assert plan_run_dir(tmp_path, "x", tmp_path / "empty") == tmp_path / "empty"
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("earlier run")
    with pytest.raises(RunError, match=r"full: already exists and is not an empty folder"):
        plan_run_dir(tmp_path, "x", tmp_path / "full")


def test_writer_publishes_only_on_success(tmp_path):
    target = tmp_path / "runs" / "r1"
    with RunWriter(target) as tmp:
        (tmp / "a.txt").write_text("x")
        assert not target.exists()
        assert tmp.name.startswith(".r1.partial-")
    assert (target / "a.txt").read_text() == "x"
    assert [p.name for p in target.parent.iterdir()] == ["r1"]


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_writer_failure_leaves_nothing(tmp_path, error):
    target = tmp_path / "r1"
    with pytest.raises(type(error)):
        with RunWriter(target) as tmp:
            (tmp / "half.csv").write_text("partial")
            raise error
    assert list(tmp_path.iterdir()) == []


def test_writer_fills_empty_out_folder(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    with RunWriter(target) as tmp:
        (tmp / "a.txt").write_text("x")
    assert (target / "a.txt").exists()


def test_writer_refuses_folder_that_appeared(tmp_path):
    target = tmp_path / "r1"
    with pytest.raises(RunError, match="appeared while the run was working"):
        with RunWriter(target) as tmp:
            (tmp / "a.txt").write_text("new")
            target.mkdir()
            (target / "other.txt").write_text("someone else's")
    assert (target / "other.txt").read_text() == "someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["r1"]


def test_unwritable_parent(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunError, match="cannot create the run directory"):
        with RunWriter(blocker / "r1"):
            pass


def _fake_run(path, created="2026-01-01T00:00:00", metrics='{"n_topics": 3}'):
    path.mkdir(parents=True)
    for name in RUN_FILES:
        (path / name).write_text("x")
    (path / "manifest.json").write_text(f'{{"name": "{path.name}", "created": "{created}"}}')
    (path / "metrics.json").write_text(metrics)


def test_list_runs_skips_partial_and_hidden(tmp_path):
    _fake_run(tmp_path / "b", created="2026-01-02T00:00:00")
    _fake_run(tmp_path / "sweep" / "a", created="2026-01-01T00:00:00")
    _fake_run(tmp_path / ".c.partial-1234")
    (tmp_path / "incomplete").mkdir()
    (tmp_path / "incomplete" / "manifest.json").write_text("{}")
    runs = list_runs(tmp_path)
    assert [r.path.name for r in runs] == ["a", "b"]
    assert runs[0].metrics == {"n_topics": 3}
    assert is_complete_run(tmp_path / "b") and not is_complete_run(tmp_path / "incomplete")
    assert list_runs(tmp_path / "missing") == []
