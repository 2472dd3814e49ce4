from pathlib import Path

from toolkit.config_docs import config_reference, iter_keys

ROOT = Path(__file__).resolve().parent.parent


def test_reference_lists_every_guide_key():
    keys = {path for path, *_ in iter_keys()}
    for key in ("name", "seed", "corpus.path", "corpus.format", "corpus.unit", "embedding.model",
                "embedding.batch_size", "umap.n_neighbors", "umap.n_components",
                "hdbscan.min_cluster_size", "output.dir"):
        assert key in keys


def test_committed_reference_is_up_to_date():
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == config_reference(), (
        "docs/configuration.md is stale: run `topicbridge config keys --markdown > docs/configuration.md`")
