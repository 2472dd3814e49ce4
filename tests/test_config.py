from pathlib import Path

import pytest

from toolkit.config import (
    ExperimentConfig,
    apply_overrides,
    config_from_dict,
    config_hash,
    config_to_yaml,
    load_config,
)
from toolkit.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_fill_in(tmp_path):
    cfg = load_config(write(tmp_path / "c.yaml", "corpus: {path: seeds}\n"))
    assert cfg.embedding.model == "use-multilingual"
    assert cfg.corpus.unit == "sentence"
    assert cfg.umap.n_components == 5


def test_misspelt_key_names_full_path(tmp_path):
    path = write(tmp_path / "c.yaml", "corpus: {path: x}\numap: {n_neighbour: 10}\n")
    with pytest.raises(ConfigError, match=r"c\.yaml: unknown key 'umap\.n_neighbour'.*n_neighbors"):
        load_config(path)


def test_nested_typo_in_embedding(tmp_path):
    path = write(tmp_path / "c.yaml", "corpus: {path: x}\nembedding: {batch_sise: 8}\n")
    with pytest.raises(ConfigError, match=r"embedding\.batch_sise"):
        load_config(path)


def test_bad_value_names_key_allowed_values_and_given(tmp_path):
    path = write(tmp_path / "c.yaml", "corpus: {path: x, unit: word}\n")
    with pytest.raises(ConfigError, match=r"'corpus\.unit'.*'document'.*'window'.*given 'word'"):
        load_config(path)


def test_missing_required_corpus(tmp_path):
    with pytest.raises(ConfigError, match=r"missing required key 'corpus'"):
        load_config(write(tmp_path / "c.yaml", "name: x\n"))


def test_invalid_yaml_reports_line(tmp_path):
    with pytest.raises(ConfigError, match=r"not valid YAML \(line \d+, column \d+\)"):
        load_config(write(tmp_path / "c.yaml", "corpus:\n  path: [unclosed\n"))


def test_not_a_mapping(tmp_path):
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        load_config(write(tmp_path / "c.yaml", "- a\n- b\n"))


def test_missing_file():
    with pytest.raises(ConfigError, match="config file not found"):
        load_config("does/not/exist.yaml")


def test_extends_merges_and_child_wins(tmp_path):
    write(tmp_path / "base.yaml", "name: base\ncorpus: {path: seeds, unit: sentence}\numap: {n_neighbors: 7, n_components: 3}\n")
    child = write(tmp_path / "child.yaml", "extends: base.yaml\nname: child\numap: {n_neighbors: 9}\n")
    cfg = load_config(child)
    assert cfg.name == "child"
    assert cfg.umap.n_neighbors == 9
    assert cfg.umap.n_components == 3  # inherited, not reset to the default
    assert cfg.corpus.path == "seeds"


def test_set_overrides_extends_and_is_typed(tmp_path):
    write(tmp_path / "base.yaml", "corpus: {path: seeds}\numap: {n_neighbors: 7}\n")
    child = write(tmp_path / "child.yaml", "extends: base.yaml\numap: {n_neighbors: 9}\n")
    cfg = load_config(child, ["umap.n_neighbors=11", "corpus.clean=false", "topics.stopwords=[foo, bar]"])
    assert cfg.umap.n_neighbors == 11
    assert cfg.corpus.clean is False
    assert cfg.topics.stopwords == ["foo", "bar"]


def test_set_unknown_key_is_an_error(tmp_path):
    path = write(tmp_path / "c.yaml", "corpus: {path: seeds}\n")
    with pytest.raises(ConfigError, match=r"unknown key 'umap\.n_neighbour'"):
        load_config(path, ["umap.n_neighbour=3"])


def test_set_without_equals():
    with pytest.raises(ConfigError, match="expected key.path=value"):
        apply_overrides({}, ["umap.n_neighbors"])


def test_set_into_a_value_is_an_error():
    with pytest.raises(ConfigError, match="'name' is a value, not a section"):
        apply_overrides({"name": "x"}, ["name.sub=1"])


def test_extends_cycle(tmp_path):
    write(tmp_path / "a.yaml", "extends: b.yaml\ncorpus: {path: x}\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_config(tmp_path / "a.yaml")


def test_extends_missing_parent(tmp_path):
    path = write(tmp_path / "a.yaml", "extends: nope.yaml\ncorpus: {path: x}\n")
    with pytest.raises(ConfigError, match="nope.yaml.*does not exist"):
        load_config(path)


def test_window_overlap_must_be_smaller_than_size():
    with pytest.raises(ConfigError, match=r"corpus\.window_overlap.*smaller than window_size"):
        config_from_dict({"corpus": {"path": "x", "window_size": 2, "window_overlap": 2}})


def test_config_is_frozen():
    cfg = config_from_dict({"corpus": {"path": "x"}})
    with pytest.raises(Exception):
        cfg.seed = 3  # type: ignore[misc]


def test_yaml_round_trip_and_hash():
    cfg = config_from_dict({"corpus": {"path": "x"}, "seed": 7})
    import yaml

    again = ExperimentConfig.model_validate(yaml.safe_load(config_to_yaml(cfg)))
    assert again == cfg
    assert config_hash(again) == config_hash(cfg)
    assert config_hash(cfg) != config_hash(config_from_dict({"corpus": {"path": "x"}, "seed": 8}))


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_validates(path):
    cfg = load_config(path)
    assert cfg.corpus.path
