"""toolkit.topics.label_words: spread words dropped per language, labels balanced over languages."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.errors import ParameterError
from toolkit.topics.label_words import balanced_label_words, drop_spread_words, label_shares, spread_words


def _kw(*words):
    return [(w, 1.0 - i / 100) for i, w in enumerate(words)]


BY_LANG = {
    0: {"zh": _kw("可能", "旅行", "酒店"), "de": _kw("reise", "hotel")},
    1: {"zh": _kw("可能", "选举", "总统"), "de": _kw("wahl", "präsident")},
    2: {"zh": _kw("可能", "比赛", "球队"), "de": _kw("spiel", "mannschaft")},
    3: {"zh": _kw("月球", "地球"), "de": _kw("mond", "erde")},
    -1: {"zh": _kw("可能"), "de": _kw("und")},
}


def test_a_word_in_half_the_topics_of_a_language_is_spread():
    found = spread_words(BY_LANG, top_k=10, max_spread=0.5)
    assert found == {"zh": {"可能"}, "de": set()}
    assert spread_words(BY_LANG, top_k=10, max_spread=0.8) == {"zh": set(), "de": set()}
    # a word must be shared by two topics at least, however few topics there are
    assert spread_words({0: {"en": _kw("a")}, 1: {"en": _kw("b")}}, 10, 0.5) == {"en": set()}


def test_spread_words_are_dropped_everywhere_and_others_move_up():
    overall = {t: [w for per in BY_LANG[t].values() for w in per] for t in BY_LANG}
    new_overall, new_by_lang, dropped = drop_spread_words(overall, BY_LANG, top_k=10, max_spread=0.5)
    assert dropped == {"zh": ["可能"]}
    assert [w for w, _ in new_by_lang[0]["zh"]] == ["旅行", "酒店"]
    assert all("可能" not in [w for w, _ in ws] for ws in new_overall.values())
    assert [w for w, _ in new_by_lang[3]["de"]] == ["mond", "erde"]


def test_max_spread_must_be_a_share():
    with pytest.raises(ParameterError, match=r"^max_spread: expected a share in \(0, 1\], got 0"):
        spread_words(BY_LANG, 10, 0)


def test_labels_follow_the_units_of_each_language():
    per = {"zh": _kw("旅行", "酒店", "机场"), "de": _kw("reise", "hotel"), "ru": _kw("путешествие", "отель")}
    even = balanced_label_words(per, {"zh": 10, "de": 10, "ru": 10}, n_words=4)
    langs = {"旅行": "zh", "酒店": "zh", "机场": "zh", "reise": "de", "hotel": "de", "путешествие": "ru", "отель": "ru"}
    counts = {lang: sum(langs[w] == lang for w in even) for lang in per}
    assert len(even) == 4 and max(counts.values()) <= 2 and min(counts.values()) >= 1
    # a topic that is mostly German gets mostly German words
    mostly = balanced_label_words(per, {"zh": 1, "de": 30, "ru": 1}, n_words=4)
    assert mostly[:2] == ["reise", "hotel"]
    # a language without units in the topic gives no word
    assert "旅行" not in balanced_label_words(per, {"de": 5, "ru": 5}, n_words=4)


def test_label_language_takes_one_language_when_it_has_words():
    per = {"zh": _kw("旅行", "酒店"), "de": _kw("reise", "hotel")}
    assert balanced_label_words(per, {"zh": 5, "de": 5}, label_language="de") == ["reise", "hotel"]
    assert balanced_label_words(per, {"zh": 5, "de": 5}, label_language="ru")[0] in {"旅行", "reise"}


def test_label_shares_counts_units_per_language():
    assert label_shares(np.array([0, 0, 1]), ["de", "zh", "de"]) == {0: {"de": 1, "zh": 1}, 1: {"de": 1}}


def test_config_keys_are_checked():
    from toolkit.config import config_from_dict
    from toolkit.errors import ConfigError

    cfg = config_from_dict({"corpus": {"path": "x"}, "report": {"label_language": " DE "}})
    assert cfg.report.label_language == "de" and cfg.topics.max_word_spread == 0.5
    with pytest.raises(ConfigError, match=r"'report.label_language': Value error, expected a language code"):
        config_from_dict({"corpus": {"path": "x"}, "report": {"label_language": "english!"}})
    with pytest.raises(ConfigError, match=r"'topics.max_word_spread'"):
        config_from_dict({"corpus": {"path": "x"}, "topics": {"max_word_spread": 0}})
