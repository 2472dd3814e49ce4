"""Tests for toolkit.topics.keywords: c-TF-IDF per language, representatives, reranking."""

from __future__ import annotations

import math

import numpy as np
import pytest

from toolkit.errors import ParameterError, TopicModelError
from toolkit.topics.keywords import (
    interleave_keywords,
    representative_indices,
    rerank_keywords,
    topic_keywords,
    topic_label,
)


def words(pairs: list[tuple[str, float]]) -> list[str]:
    return [w for w, _ in pairs]


# A hand-made 2-topic corpus: topic 0 medical tourism, topic 1 traditional medicine.
# "klinik" and "клиника" occur in both topics; each language has its own topic words.
TOKENS = [
    ["туризм", "клиника", "пациент"],           # 0 ru
    ["туризм", "пациент", "германия"],          # 0 ru
    ["медицина", "клиника", "иглоукалывание"],  # 1 ru
    ["medizintourismus", "klinik", "patient"],  # 0 de
    ["akupunktur", "klinik", "medizin"],        # 1 de
    ["akupunktur", "medizin", "kräuter"],       # 1 de
    ["医疗", "旅游", "患者"],                    # 0 zh
    ["中医", "针灸", "中药"],                    # 1 zh
    ["中医", "针灸"],                            # 1 zh
]
TOPICS = np.array([0, 0, 1, 0, 1, 1, 0, 1, 1])
LANGS = ["ru", "ru", "ru", "de", "de", "de", "zh", "zh", "zh"]


def test_per_language_keywords_on_two_topics() -> None:
    overall, per_lang = topic_keywords(TOKENS, TOPICS, LANGS, top_n=3)
    assert set(overall) == {0, 1}
    assert set(per_lang[0]) == set(per_lang[1]) == {"de", "ru", "zh"}
    assert words(per_lang[0]["ru"])[:2] == ["пациент", "туризм"]
    assert words(per_lang[1]["ru"])[:2] == ["иглоукалывание", "медицина"]
    assert words(per_lang[0]["de"])[:2] == ["medizintourismus", "patient"]
    assert words(per_lang[1]["de"])[:2] == ["akupunktur", "medizin"]
    assert words(per_lang[0]["zh"]) == ["医疗", "患者", "旅游"]  # a tie: code point order
    assert words(per_lang[1]["zh"])[:2] == ["中医", "针灸"]
    # a word shared by both topics in a language ranks below that language's topic words
    assert "klinik" not in words(per_lang[0]["de"])[:2]
    # per-language lists only hold that language's tokens
    assert not set(words(per_lang[0]["ru"])) & {"patient", "患者"}


def test_language_keywords_are_ranked_within_their_language() -> None:
    # "x" appears in both topics in German, only in topic 0 in Russian: in Russian it is the
    # topic word, in German it is not.
    tokens = [["x", "a"], ["b"], ["x", "c"], ["x", "d", "d"]]
    topics = np.array([0, 1, 0, 1])
    langs = ["ru", "ru", "de", "de"]
    _, per_lang = topic_keywords(tokens, topics, langs, top_n=5)
    assert per_lang[0]["ru"][0][0] in {"a", "x"}
    ru_scores = dict(per_lang[0]["ru"])
    de_scores = dict(per_lang[0]["de"])
    assert ru_scores["x"] == pytest.approx(ru_scores["a"])
    assert de_scores["x"] < de_scores["c"]


def test_scores_follow_class_tfidf() -> None:
    # classes: t0 = "a a b", t1 = "b c"; average words per class int(2.5) = 2;
    # corpus counts a=2, b=2, c=1; weight = tf / class length * log(2 / count + 1)
    overall, _ = topic_keywords([["a", "a", "b"], ["b", "c"]], np.array([0, 1]), ["en", "en"])
    assert overall[0] == [
        ("a", pytest.approx(2 / 3 * math.log(2))),
        ("b", pytest.approx(1 / 3 * math.log(2))),
    ]
    assert overall[1] == [
        ("c", pytest.approx(0.5 * math.log(3))),
        ("b", pytest.approx(0.5 * math.log(2))),
    ]


def test_ties_broken_by_token() -> None:
    overall, per_lang = topic_keywords([["zeta", "alpha", "mu"]], np.array([4]), ["de"])
    assert words(overall[4]) == ["alpha", "mu", "zeta"]
    assert words(per_lang[4]["de"]) == ["alpha", "mu", "zeta"]
    scores = {s for _, s in overall[4]}
    assert len(scores) == 1


def test_outliers_and_missing_languages() -> None:
    tokens = [["hafen"], ["schiff"], ["порт"], []]
    topics = np.array([-1, 2, 2, 5])
    langs = ["de", "de", "ru", "ru"]
    overall, per_lang = topic_keywords(tokens, topics, langs)
    assert set(overall) == {-1, 2, 5}
    assert words(overall[-1]) == ["hafen"]
    assert per_lang[-1]["ru"] == []          # no Russian segment in the outliers
    assert per_lang[5] == {"de": [], "ru": []}  # a topic whose only segment has no tokens
    assert overall[5] == []
    assert words(per_lang[2]["ru"]) == ["порт"]


def test_top_n_limits_and_order() -> None:
    tokens = [["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"]]
    overall, _ = topic_keywords(tokens, np.array([0]), ["en"], top_n=2)
    assert words(overall[0]) == ["a", "b"]
    assert overall[0][0][1] > overall[0][1][1]


def test_empty_corpus_and_no_tokens_at_all() -> None:
    assert topic_keywords([], np.array([], dtype=int), []) == ({}, {})
    overall, per_lang = topic_keywords([[], []], np.array([0, 1]), ["de", None])
    assert overall == {0: [], 1: []}
    assert per_lang == {0: {"de": [], "und": []}, 1: {"de": [], "und": []}}


def test_float_topic_ids_that_are_whole_numbers() -> None:
    overall, _ = topic_keywords([["arzt"], ["hafen"]], np.array([0.0, 1.0]), ["de", "de"])
    assert words(overall[0]) == ["arzt"] and words(overall[1]) == ["hafen"]


def test_single_topic_and_list_topics() -> None:
    overall, per_lang = topic_keywords([["arzt", "arzt", "klinik"], ["arzt"]], [0, 0],
                                       ["de", "de"])
    assert words(overall[0]) == ["arzt", "klinik"]
    assert words(per_lang[0]["de"]) == ["arzt", "klinik"]
    assert all(isinstance(s, float) for _, s in overall[0])


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (([["a"]], np.array([0, 1]), ["de"]), TopicModelError, r"one topic id per segment"),
        (([["a"]], np.array([0]), ["de", "ru"]), ParameterError, "^langs: got 2 languages for 1 rows"),
        ((["a b"], np.array([0]), ["de"]), TopicModelError, r"tokens\[0\] is a string"),
        (([["a"]], np.array([0.5]), ["de"]), TopicModelError, "topic ids must be integers"),
        (([["a"]], np.array(["x"]), ["de"]), TopicModelError, "topic ids must be integers"),
        (([["a"]], np.array([np.nan]), ["de"]), TopicModelError, "topic ids must be integers"),
    ],
)
def test_topic_keywords_errors(args, error, message) -> None:
    with pytest.raises(error, match=message):
        topic_keywords(*args)


def test_topic_keywords_top_n_error() -> None:
    with pytest.raises(ParameterError, match="^top_n: must be an integer >= 1, got 0"):
        topic_keywords([["a"]], np.array([0]), ["de"], top_n=0)


# ---------------------------------------------------------------------- representatives
def test_representative_indices_known_answer() -> None:
    emb = np.array(
        [
            [1.0, 0.0],   # 0: topic 0, ru, on the centroid direction-ish
            [0.8, 0.6],   # 1: topic 0, ru, off-centre
            [0.9, 0.1],   # 2: topic 0, de
            [0.0, 1.0],   # 3: topic 1, de
            [0.1, 0.9],   # 4: topic 1, de
            [5.0, 0.2],   # 5: topic 0, ru, long vector, close direction
        ]
    )
    topics = np.array([0, 0, 0, 1, 1, 0])
    langs = ["ru", "ru", "de", "de", "de", "ru"]
    reps = representative_indices(emb, topics, langs, n=2)
    assert set(reps) == {0, 1}
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    centroid = unit[topics == 0].mean(axis=0)
    sims = unit @ centroid
    ru = sorted([0, 1, 5], key=lambda i: -sims[i])[:2]
    assert reps[0]["ru"] == ru
    assert reps[0]["de"] == [2]
    assert reps[1]["ru"] == []
    assert reps[1]["de"] == [4, 3] or reps[1]["de"] == [3, 4]


def test_representative_ties_by_index_and_zero_rows() -> None:
    emb = np.array([[0.0, 1.0], [0.0, 2.0], [0.0, 0.0], [0.0, 3.0]])
    reps = representative_indices(emb, np.array([7, 7, 7, 7]), ["zh"] * 4, n=3)
    assert reps == {7: {"zh": [0, 1, 3]}}


def test_representatives_do_not_depend_on_the_block_size(monkeypatch) -> None:
    import toolkit.topics.keywords as kw

    rng = np.random.default_rng(5)
    emb = rng.normal(size=(40, 6)).astype(np.float32)
    topics, langs = rng.integers(-1, 3, size=40), [("de", "ru", "zh")[i % 3] for i in range(40)]
    whole = representative_indices(emb, topics, langs, n=4)
    monkeypatch.setattr(kw, "BLOCK_ROWS", 7)  # blocks that cut through topics and languages
    assert representative_indices(emb, topics, langs, n=4) == whole
    emb[33, 2] = np.nan  # a bad row in a later block is still found
    with pytest.raises(TopicModelError, match="NaN or infinite"):
        representative_indices(emb, topics, langs, n=4)


def test_representative_empty() -> None:
    assert representative_indices(np.zeros((0, 4)), np.array([], dtype=int), []) == {}


@pytest.mark.parametrize(
    ("emb", "topics", "langs", "n", "error", "message"),
    [
        (np.zeros(3), np.array([0, 0, 0]), ["de"] * 3, 1, TopicModelError, "must be a 2-D"),
        (np.zeros((3, 2)), np.array([0, 0]), ["de"] * 3, 1, TopicModelError,
         r"one topic id per segment \(3 segments\)"),
        (np.zeros((2, 2)), np.array([0, 0]), ["de"], 1, ParameterError, "^langs: got 1 languages"),
        (np.array([[np.nan, 1.0]]), np.array([0]), ["de"], 1, TopicModelError, "NaN"),
        (np.ones((1, 2)), np.array([0]), ["de"], 0, ParameterError, "^n: must be an integer >= 1"),
    ],
)
def test_representative_errors(emb, topics, langs, n, error, message) -> None:
    with pytest.raises(error, match=message):
        representative_indices(emb, topics, langs, n=n)


# ---------------------------------------------------------------------- rerank
VECTORS = {
    "tourism": np.array([1.0, 0.0, 0.0]),
    "travel": np.array([0.98, 0.2, 0.0]),    # near-duplicate of tourism
    "clinic": np.array([0.7, 0.0, 0.714]),   # relevant but different
    "weather": np.array([0.0, 1.0, 0.0]),    # irrelevant
}


def fake_embed(items: list[str]) -> np.ndarray:
    return np.stack([VECTORS[w] for w in items])


def test_rerank_keybert_orders_by_cosine() -> None:
    out = rerank_keywords(["weather", "clinic", "travel", "tourism"], np.array([2.0, 0, 0]),
                          fake_embed, method="keybert", top_n=3)
    assert words(out) == ["tourism", "travel", "clinic"]
    assert out[0][1] == pytest.approx(1.0)
    assert out[2][1] == pytest.approx(0.7 / np.linalg.norm(VECTORS["clinic"]))


def test_rerank_mmr_diversity() -> None:
    cands = ["weather", "clinic", "travel", "tourism"]
    topic = np.array([1.0, 0.0, 0.0])
    plain = rerank_keywords(cands, topic, fake_embed, method="mmr", top_n=3, diversity=0.0)
    assert words(plain) == ["tourism", "travel", "clinic"]
    diverse = rerank_keywords(cands, topic, fake_embed, method="mmr", top_n=2, diversity=0.5)
    assert words(diverse) == ["tourism", "clinic"]  # skips the near-duplicate "travel"
    assert dict(diverse)["tourism"] == pytest.approx(1.0)


def test_rerank_ties_duplicates_and_empty() -> None:
    def same(items: list[str]) -> np.ndarray:
        return np.ones((len(items), 2))

    out = rerank_keywords(["b", "a", "b", "c"], np.ones(2), same, method="keybert")
    assert words(out) == ["a", "b", "c"]
    out = rerank_keywords(["b", "a"], np.ones(2), same, method="mmr", top_n=5)
    assert words(out) == ["a", "b"]

    def never(items: list[str]) -> np.ndarray:
        raise AssertionError("embed must not be called for no candidates")

    assert rerank_keywords([], np.ones(2), never, method="mmr") == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"method": "bm25"}, ParameterError, "^method: must be one of keybert, mmr, got 'bm25'"),
        ({"method": "mmr", "diversity": 1.5}, ParameterError, r"^diversity: must be a number in \[0, 1\]"),
        ({"method": "mmr", "top_n": 0}, ParameterError, "^top_n: must be an integer >= 1"),
        ({"method": "keybert", "topic_vector": np.ones(4)}, TopicModelError,
         r"embed returned shape \(2, 3\) for 2 words, expected \(2, 4\)"),
    ],
)
def test_rerank_errors(kwargs, error, message) -> None:
    args = {"topic_vector": np.ones(3), **kwargs}
    with pytest.raises(error, match=message):
        rerank_keywords(["tourism", "clinic"], embed=fake_embed, **args)


# ---------------------------------------------------------------------- labels
def test_topic_label() -> None:
    assert topic_label(3, ["туризм", "medizin", "医疗", "tourism", "extra"]) == (
        "3_туризм_medizin_医疗_tourism"
    )
    assert topic_label(-1, ["die", "und"]) == "-1_outliers"
    assert topic_label(np.int64(2), []) == "2"
    assert topic_label(0, ["a_b", "a_b", "c d"], n_words=2) == "0_a-b_c-d"


def test_interleave_keywords() -> None:
    per_lang = {
        "ru": [("туризм", 0.9), ("клиника", 0.5)],
        "de": [("medizin", 0.8), ("tourismus", 0.4)],
        "zh": ["医疗"],
        "en": [],
    }
    assert interleave_keywords(per_lang, 4, languages=["ru", "de", "zh", "en"]) == [
        "туризм", "medizin", "医疗", "клиника",
    ]
    assert interleave_keywords(per_lang, 3) == ["medizin", "туризм", "医疗"]
    assert interleave_keywords({"de": ["a"], "ru": ["a", "b"]}, 5) == ["a", "b"]
    assert interleave_keywords({}, 4) == []
