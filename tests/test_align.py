"""toolkit.align: language-bias removal on small synthetic matrices with known structure."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.align import ALIGN_METHODS, LanguageAligner, align_embeddings
from toolkit.errors import ConfigError, ParameterError


def _parallel(n_groups: int = 60, dim: int = 16, offset: float = 3.0, seed: int = 0):
    """Translations of n_groups texts into 3 languages: topic signal + a per-language offset."""
    rng = np.random.default_rng(seed)
    topics = rng.integers(0, 3, size=n_groups)
    centres = np.eye(dim)[:3] * 4.0
    base = centres[topics] + rng.normal(scale=0.5, size=(n_groups, dim))
    lang_dirs = {"ru": np.eye(dim)[10] * offset, "de": np.eye(dim)[11] * offset, "zh": np.eye(dim)[12] * offset}
    rows, langs, groups, topic_of = [], [], [], []
    for lang, d in lang_dirs.items():
        rows.append(base + d + rng.normal(scale=0.1, size=base.shape))
        langs += [lang] * n_groups
        groups += [str(g) for g in range(n_groups)]
        topic_of += topics.tolist()
    return np.vstack(rows), langs, groups, np.asarray(topic_of)


def _centroid_accuracy(X: np.ndarray, langs: list[str]) -> float:
    """Leave-nothing-out nearest-centroid language accuracy (1.0 = language fully visible)."""
    L = np.asarray(langs)
    names = sorted(set(langs))
    C = np.stack([X[L == n].mean(axis=0) for n in names])
    d = ((X[:, None, :] - C[None]) ** 2).sum(-1)
    return float(np.mean(np.asarray(names)[d.argmin(1)] == L))


def _within_group_spread(X: np.ndarray, groups: list[str]) -> float:
    G = np.asarray(groups)
    return float(np.mean([np.linalg.norm(X[G == g] - X[G == g].mean(0), axis=1).mean() for g in set(groups)]))


def test_methods_listed():
    assert ALIGN_METHODS == ("none", "center", "standardize", "remove_language", "groups")


def test_none_returns_the_input_unchanged():
    X, langs, _, _ = _parallel()
    X = X.astype(np.float32)
    out, aligner = align_embeddings(X, langs, method="none")
    assert np.array_equal(out, X)
    assert np.shares_memory(out, X)  # no copy: at 100k segments a copy doubled peak memory
    assert aligner.info_["method"] == "none"
    X[0, 0] = np.nan
    with pytest.raises(ParameterError, match="^X: .*NaN"):
        align_embeddings(X, langs, method="none")


def test_center_gives_every_language_the_corpus_mean():
    X, langs, _, _ = _parallel()
    out, _ = align_embeddings(X, langs, method="center", normalize=False)
    L = np.asarray(langs)
    for lang in set(langs):
        np.testing.assert_allclose(out[L == lang].mean(0), X.mean(0), atol=1e-4)
    assert _centroid_accuracy(X, langs) == 1.0
    assert _centroid_accuracy(out, langs) < 0.6


def test_standardize_matches_mean_and_spread_per_language():
    X, langs, _, _ = _parallel()
    X[np.asarray(langs) == "zh"] *= 3.0  # one language with a larger spread
    out, _ = align_embeddings(X, langs, method="standardize", normalize=False)
    L = np.asarray(langs)
    for lang in set(langs):
        np.testing.assert_allclose(out[L == lang].mean(0), X.mean(0), atol=1e-4)
        np.testing.assert_allclose(out[L == lang].std(0), X.std(0), rtol=1e-3)


def test_remove_language_projects_out_language_directions():
    X, langs, _, topics = _parallel()
    accuracy = []
    for n in (1, 2, 4, 6):
        out, aligner = align_embeddings(X, langs, method="remove_language", n_directions=n, normalize=False)
        C = aligner.components_
        assert C.shape == (n, X.shape[1])
        np.testing.assert_allclose(C @ C.T, np.eye(n), atol=1e-8)
        accuracy.append(_centroid_accuracy(out, langs))
        # The topic structure (dims 0-2) survives.
        assert _centroid_accuracy(out, [str(t) for t in topics]) > 0.95
    # Each round of discriminants hides the language further, down to chance (1/3).
    assert accuracy[0] > accuracy[1] > accuracy[2] > accuracy[3]
    assert accuracy[-1] < 0.4
    assert aligner.info_ == {"method": "remove_language", "languages": 3, "normalize": False,
                             "n_directions": 6, "shrinkage": 0.1}


def test_remove_language_stops_at_n_directions_and_is_unit_length():
    X, langs, _, _ = _parallel()
    out, aligner = align_embeddings(X, langs, method="remove_language", n_directions=5)
    assert aligner.components_.shape[0] == 5
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert out.dtype == np.float32


def test_remove_language_with_one_language_removes_nothing(caplog):
    X, _, _, _ = _parallel()
    out, aligner = align_embeddings(X, ["ru"] * len(X), method="remove_language", normalize=False)
    assert aligner.components_.shape[0] == 0
    np.testing.assert_allclose(out, X, atol=1e-5)
    assert "no direction to remove" in caplog.text


def test_groups_method_pulls_translations_together():
    X, langs, groups, _ = _parallel()
    out, aligner = align_embeddings(X, langs, method="groups", groups=groups, n_directions=3, normalize=False)
    assert aligner.info_["n_groups"] == 60
    assert _within_group_spread(out, groups) < 0.2 * _within_group_spread(X, groups)


def test_transform_without_language_keeps_vectors_for_offset_methods():
    X, langs, _, _ = _parallel()
    v = X[:2]
    for method in ("center", "standardize"):
        aligner = LanguageAligner(method, normalize=False).fit(X, langs)
        np.testing.assert_allclose(aligner.transform(v), v, atol=1e-5)
    aligner = LanguageAligner("remove_language", n_directions=2, normalize=False).fit(X, langs)
    projected = aligner.transform(v)  # no language needed for a projection
    np.testing.assert_allclose(projected, aligner.transform(v, ["ru", "de"]), atol=1e-6)


def test_groups_without_any_group_is_a_parameter_error():
    X, langs, _, _ = _parallel()
    with pytest.raises(ParameterError, match="^groups: method='groups' needs translation groups"):
        align_embeddings(X, langs, method="groups", groups=[None] * len(X))
    with pytest.raises(ParameterError, match="needs translation groups"):
        align_embeddings(X, langs, method="groups", groups=[str(i) for i in range(len(X))])


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "rotate"}, r"^method: expected one of none, center, .* got 'rotate'"),
    ({"method": "remove_language", "n_directions": 0}, r"^n_directions: expected an integer >= 1, got 0"),
    ({"method": "remove_language", "shrinkage": 2.0}, r"^shrinkage: expected a number in \[0, 1\], got 2.0"),
])
def test_bad_parameters_name_the_parameter(kwargs, message):
    X, langs, _, _ = _parallel()
    with pytest.raises(ParameterError, match=message):
        align_embeddings(X, langs, **kwargs)


def test_bad_inputs():
    X, langs, groups, _ = _parallel()
    with pytest.raises(ParameterError, match="^langs: got 3 languages for 180 rows"):
        align_embeddings(X, langs[:3], method="center")
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ParameterError, match="^X: the embedding matrix holds NaN or infinite"):
        align_embeddings(bad, langs, method="center")
    with pytest.raises(ParameterError, match="^X: expected a non-empty 2-D embedding matrix"):
        align_embeddings(X[0], langs, method="center")
    with pytest.raises(ParameterError, match="^groups: got 2 groups for 180 rows"):
        align_embeddings(X, langs, method="groups", groups=groups[:2])
    with pytest.raises(ConfigError, match="transform called before fit"):
        LanguageAligner("center").transform(X)
    fitted = LanguageAligner("center").fit(X, langs)
    with pytest.raises(ParameterError, match="^X: fitted on 16-d embeddings, got 4-d"):
        fitted.transform(X[:, :4])


def _corpus_of(langs, groups):
    from toolkit.corpus import Corpus, Segment

    segments = [Segment(id=f"s{i}", doc_id=f"d{i}", text="x", lang=lang, group=g)
                for i, (lang, g) in enumerate(zip(langs, groups))]
    return Corpus(documents=[], segments=segments)


def _config(**align):
    from toolkit.config import config_from_dict

    return config_from_dict({"corpus": {"path": "x.jsonl"}, "align": align})


def test_align_corpus_applies_the_config():
    from toolkit.experiment import align_corpus

    X, langs, groups, _ = _parallel()
    aligned, aligner = align_corpus(X, _corpus_of(langs, groups), _config(method="groups", n_directions=2))
    expected, _ = align_embeddings(X, langs, method="groups", groups=groups, n_directions=2)
    np.testing.assert_array_equal(aligned, expected)
    assert aligner.info_["n_directions"] == 2


def test_align_corpus_names_the_config_key():
    from toolkit.experiment import align_corpus

    X, langs, _, _ = _parallel()
    corpus = _corpus_of(langs, [None] * len(langs))
    with pytest.raises(ConfigError, match=r"^align.method: method='groups' needs translation groups .* "
                                          r"this corpus has none"):
        align_corpus(X, corpus, _config(method="groups"))
    config = _config(method="remove_language")
    # pydantic rejects these when the config is loaded; altered afterwards, they reach the aligner
    for values, message in [({"n_directions": 0}, r"^align.n_directions: expected an integer >= 1, got 0$"),
                            ({"shrinkage": 2.0}, r"^align.shrinkage: expected a number in \[0, 1\], got 2.0$")]:
        bad = config.model_copy(update={"align": config.align.model_copy(update=values)})
        with pytest.raises(ConfigError, match=message):
            align_corpus(X, corpus, bad)
    with pytest.raises(ParameterError, match="^X: the embedding matrix holds NaN"):  # not a setting: no key
        align_corpus(np.full_like(X, np.nan), corpus, config)
