"""Topic levels: the fitted topic tree reaches the model, and TopicBridge.set_level cuts it without refitting."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit import TopicBridge
from toolkit.errors import ParameterError
from toolkit.topics.tree import level_plan

WORDS = ["hospital doctor clinic", "football match goal", "election party vote", "river mountain lake",
         "piano concert song", "bank market price", "school teacher pupil", "rocket planet orbit"]


def _corpus(n_per: int = 12):
    texts, langs = [], []
    for k, words in enumerate(WORDS):
        for i in range(n_per):
            texts.append(f"{words} {words.split()[i % 3]} item{k}x{i % 4}")
            langs.append("en")
    return texts, langs


@pytest.fixture(scope="module")
def fitted():
    texts, langs = _corpus()
    return TopicBridge(**{"embedding.model": "hashing", "corpus__unit": "document", "umap__n_neighbors": 10,
                          "clustering__min_clusters": 2, "clustering__min_size": 5,
                          "output__map": False, "cache__enabled": False}).fit(texts, langs=langs)


def test_the_tree_is_recorded_with_the_criterion(fitted):
    info = fitted.result_.details["clustering"]
    assert info["method"] == "hierarchy" and info["n_clusters_fitted"] >= 2
    tree = info["tree"]
    assert len(tree["merges"]) == len(tree["sizes"]) - 1 == len(tree["base_topic"]) - 1
    assert set(tree["base_topic"]) <= set(fitted.result_.topic_ids)
    assert info["best_count"] == int(max(info["scores"], key=lambda k: (info["scores"][k], -int(k))))


def test_a_coarser_level_merges_topics_along_the_tree(fitted):
    import copy

    model = copy.deepcopy(fitted)
    before = model.result_.topics.copy()
    n = len([t for t in model.result_.topic_ids if t >= 0])
    model.set_level(2)
    after = model.result_.topics
    assert len(set(after.tolist())) == 2
    for t in np.unique(before):  # every old topic lies inside one new topic
        assert np.unique(after[before == t]).size == 1
    assert model.curation_[-1]["level"] == 2 and n > 2
    # the record follows the new ids, so the next cut still works
    model.set_level(1)
    assert len(set(model.result_.topics.tolist())) == 1


def test_a_finer_level_or_no_tree_is_one_clear_error(fitted):
    n = len([t for t in fitted.result_.topic_ids if t >= 0])
    with pytest.raises(ParameterError, match=rf"^n_topics: expected a level from 1 to {n} .*clustering.n_clusters"):
        fitted.set_level(n + 1)
    with pytest.raises(ParameterError, match=r"^n_topics: this model has no topic tree"):
        level_plan(None, [0, 1], 1)
    with pytest.raises(ParameterError, match=r"^n_topics: expected an integer >= 1, got 0"):
        level_plan(fitted.result_.details["clustering"]["tree"], fitted.result_.topic_ids, 0)


def test_a_saved_model_keeps_its_tree(fitted, tmp_path):
    loaded = TopicBridge.load(fitted.save(tmp_path / "model"))
    assert loaded.result_.details["clustering"]["tree"] == fitted.result_.details["clustering"]["tree"]
    loaded.set_level(2)
    assert len(set(loaded.result_.topics.tolist())) == 2


def test_curate_cuts_a_run_to_a_coarser_level(tmp_path):
    from typer.testing import CliRunner

    from toolkit.cli import app
    from toolkit.experiment import run_experiment

    texts, _ = _corpus()
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(f'{{"text": "{t}", "lang": "en"}}\n' for t in texts), encoding="utf-8")
    from toolkit.config import config_from_dict

    config = config_from_dict({"corpus": {"path": str(corpus), "unit": "document"}, "embedding": {"model": "hashing"},
                               "umap": {"n_neighbors": 10}, "clustering": {"min_clusters": 2, "min_size": 5},
                               "output": {"dir": str(tmp_path / "runs"), "map": False}, "cache": {"enabled": False}})
    first = run_experiment(config, out=tmp_path / "fine")
    assert first.metrics["n_topics"] > 2
    result = CliRunner().invoke(app, ["curate", str(first.path), "--level", "2", "--out", str(tmp_path / "coarse")])
    assert result.exit_code == 0, result.output
    assert "(2 topics)" in result.output
    bad = CliRunner().invoke(app, ["curate", str(first.path), "--level", "99", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "a finer level needs a new fit" in bad.output
    assert not (tmp_path / "x").exists()
