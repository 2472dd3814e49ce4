"""toolkit.topics.themes: matching topics to named themes, and theme accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.config import config_from_dict
from toolkit.errors import ConfigError, ParameterError
from toolkit.topics.themes import (
    THEME_MODES,
    match_themes,
    segment_themes,
    theme_accuracy,
    theme_summary,
    themes_from_assignment,
    zero_shot_assignment,
)

NAMES = ["sport", "politics", "health"]


def _space():
    """Three topics along three axes; theme names on the same axes (health on axis 2)."""
    e = np.eye(4)
    emb = np.vstack([e[0] + 0.1 * e[3], e[0], e[1], e[1] + 0.2 * e[3], e[2], e[3]])
    topics = np.array([0, 0, 1, 1, 2, -1])
    names = np.vstack([e[0], e[1], e[2]])
    return emb, topics, names


def test_modes():
    assert THEME_MODES == ("match", "guided")


def test_match_labels_each_topic_with_the_closest_name():
    emb, topics, names = _space()
    themes, sims = match_themes(emb, topics, NAMES, names, threshold=0.5)
    assert themes == {-1: None, 0: "sport", 1: "politics", 2: "health"}
    assert set(sims) == {0, 1, 2}
    assert sims[2] == {"sport": 0.0, "politics": 0.0, "health": 1.0}


def test_match_threshold_leaves_far_topics_without_theme():
    emb, topics, names = _space()
    rotated = names.copy()
    rotated[2] = np.array([0.0, 0.0, 0.6, 0.8])  # health now at cosine 0.6 from topic 2
    themes, sims = match_themes(emb, topics, NAMES, rotated, threshold=0.7)
    assert themes[2] is None
    assert sims[2]["health"] == pytest.approx(0.6)
    assert match_themes(emb, topics, NAMES, rotated, threshold=0.6)[0][2] == "health"


def test_several_topics_may_share_a_theme():
    emb, topics, names = _space()
    themes, _ = match_themes(emb, topics, ["sport"], names[:1], threshold=-1.0)
    assert themes == {-1: None, 0: "sport", 1: "sport", 2: "sport"}


def test_match_errors():
    emb, topics, names = _space()
    with pytest.raises(ParameterError, match="^names: is empty"):
        match_themes(emb, topics, [], names[:0])
    with pytest.raises(ParameterError, match="^names: lists 'sport' more than once"):
        match_themes(emb, topics, ["sport", "sport", "x"], names)
    with pytest.raises(ParameterError, match="^name_vectors: got 2 name embeddings for 3 theme names"):
        match_themes(emb, topics, NAMES, names[:2])
    with pytest.raises(ParameterError, match="^name_vectors: name embeddings have 3 dimensions, the corpus 4"):
        match_themes(emb, topics, NAMES, names[:, :3])
    with pytest.raises(ParameterError, match="^topics: 6 embeddings for 5 topic ids"):
        match_themes(emb, topics[:5], NAMES, names)


def test_zero_shot_assignment_and_topic_themes():
    emb, _, names = _space()
    assignment = zero_shot_assignment(emb, names, threshold=0.999)
    # rows 0 and 3 are tilted off their axis (cosine 0.995, 0.981); row 5 is far from every name
    assert assignment.tolist() == [-1, 0, 1, -1, 2, -1]
    topics = np.array([3, 3, 4, 4, 5, -1])
    assert themes_from_assignment(topics, assignment, NAMES) == {-1: None, 3: "sport", 4: "politics",
                                                                 5: "health"}
    assert themes_from_assignment(np.array([0, 0, 0, 0, 1, 1]), np.array([0, 1, 1, -1, -1, -1]), NAMES) == {
        0: "politics", 1: None}


def test_segment_themes_and_accuracy():
    topics = np.array([0, 0, 1, 1, -1, 2])
    themes = {-1: None, 0: "Sport", 1: "politics", 2: None}
    units = segment_themes(topics, themes)
    assert units == ["Sport", "Sport", "politics", "politics", None, None]
    labels = ["sport", "politics", "politics", None, "sport", "health"]
    # labelled: 5 units; right: unit 0 (case-insensitive) and unit 2 -> 2/5
    assert theme_accuracy(units, labels) == pytest.approx(0.4)
    assert theme_accuracy(units, [None] * 6) is None
    with pytest.raises(ParameterError, match="^labels: 6 themes for 2 labels"):
        theme_accuracy(units, ["a", "b"])


def test_theme_summary():
    topics = np.array([0, 0, 1, 2, 2, 2, -1])
    summary = theme_summary({-1: None, 0: "a", 1: None, 2: "a"}, topics)
    assert summary == {"a": {"topics": [0, 2], "units": 5}}


def test_config_themes_section():
    cfg = config_from_dict({"corpus": {"path": "x"}, "themes": {"names": [" medical tourism ", "中医"],
                                                                 "mode": "guided", "threshold": 0.3}})
    assert cfg.themes.names == ["medical tourism", "中医"]
    with pytest.raises(ConfigError, match=r"'themes.names': .*theme 'A' is listed twice"):
        config_from_dict({"corpus": {"path": "x"}, "themes": {"names": ["a", "A"]}})
    with pytest.raises(ConfigError, match=r"'themes.names': .*must not be empty"):
        config_from_dict({"corpus": {"path": "x"}, "themes": {"names": ["a", " "]}})
    with pytest.raises(ConfigError, match=r"'themes.mode': "):
        config_from_dict({"corpus": {"path": "x"}, "themes": {"mode": "seeded"}})
