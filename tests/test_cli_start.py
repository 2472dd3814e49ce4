"""`topicbridge init` and `topicbridge run --corpus`: a first run with no YAML of one's own."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.config import config_from_dict
from toolkit.config_starter import STARTER_KEYS, choose_unit, corpus_config, starter_config
from toolkit.errors import CorpusError

runner = CliRunner()


def _jsonl(path, texts):
    path.write_text("".join(json.dumps({"text": t, "lang": "en"}) + "\n" for t in texts), encoding="utf-8")
    return path


def test_the_starter_config_loads_and_holds_every_starter_key_with_its_default():
    text = starter_config()
    data = yaml.safe_load(text)
    config = config_from_dict(data)
    defaults = config_from_dict({"corpus": {"path": "corpus.jsonl"}})
    assert config == defaults
    for key in STARTER_KEYS:
        node = data
        for part in key.split("."):
            node = node[part]
    assert "# Neighbours per unit in UMAP's graph" in text and text.count("\n#") >= 3


def test_the_unit_follows_the_text_lengths(tmp_path):
    short = _jsonl(tmp_path / "short.jsonl", [f"Sentence number {i} about football." for i in range(30)])
    assert choose_unit(short)[0] == "document"
    long_text = " ".join(f"This is sentence {i} of a long article." for i in range(12))
    few = _jsonl(tmp_path / "long.jsonl", [long_text] * 5)
    unit, note = choose_unit(few)
    assert unit == "sentence" and "median 12 sentences" in note
    paras = "\n\n".join([long_text] * 4)
    many = _jsonl(tmp_path / "paras.jsonl", [paras] * 60)
    assert choose_unit(many)[0] == "paragraph"
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(CorpusError, match="holds no documents"):
        choose_unit(tmp_path / "empty.jsonl")


def test_corpus_config_keeps_a_given_unit_and_applies_overrides(tmp_path):
    short = _jsonl(tmp_path / "c.jsonl", ["One short text about rivers."] * 10)
    config, note = corpus_config(short, ["seed=7"])
    assert (config.corpus.unit, config.seed, config.corpus.path) == ("document", 7, str(short))
    assert "each document is one unit" in note
    config, note = corpus_config(short, ["corpus.unit=sentence"])
    assert config.corpus.unit == "sentence" and note is None


def test_init_writes_once_and_never_overwrites(tmp_path):
    target = tmp_path / "exp.yaml"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0 and "config written to" in result.output
    first = target.read_text(encoding="utf-8")
    assert config_from_dict(yaml.safe_load(first)).clustering.method == "hierarchy"
    again = runner.invoke(app, ["init", str(target)])
    assert again.exit_code != 0 and "exists; name a new file" in again.output
    assert target.read_text(encoding="utf-8") == first


def test_run_needs_a_config_or_a_corpus():
    result = runner.invoke(app, ["run"])
    assert result.exit_code != 0
    assert "name a config file or a corpus" in result.output


def test_run_with_only_a_corpus(tmp_path):
    words = ["hospital doctor patient clinic", "football match goal team", "election party vote minister"]
    texts = [f"{w} {w.split()[i % 4]} case {i}." for w in words for i in range(12)]
    corpus = _jsonl(tmp_path / "c.jsonl", texts)
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", "--corpus", str(corpus), "--out", str(out), "--set", "embedding.model=hashing",
                                 "--set", "output.map=false", "--set", "cache.enabled=false",
                                 "--set", "umap.n_neighbors=10", "--set", "clustering.min_size=5"])
    assert result.exit_code == 0, result.output
    assert "corpus.unit: document" in result.output
    saved = yaml.safe_load((out / "config.yaml").read_text(encoding="utf-8"))
    assert saved["corpus"]["unit"] == "document" and saved["clustering"]["method"] == "hierarchy"
