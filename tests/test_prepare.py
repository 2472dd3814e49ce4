"""Tests for toolkit.corpus.prepare.prepare_corpus, on the four seed news pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from toolkit.corpus.clean import RULE_NAMES
from toolkit.corpus.model import Corpus, Document
from toolkit.corpus.prepare import prepare_corpus
from toolkit.errors import ConfigError

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _seed_documents() -> list[Document]:
    """The seed files as the loader hands them over: date line removed, text raw."""
    docs = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        date = None
        match = re.match(r"\s*date (\d{4}-\d{2}-\d{2})[ \t]*\n?", text)
        if match:
            date, text = match.group(1), text[match.end():]
        docs.append(Document(id=path.stem.split("_")[0], text=text, date=date,
                             label=f"label-{path.stem[:3]}", group="g1", source=str(path)))
    return docs


@pytest.fixture(scope="module")
def seed_corpus() -> Corpus:
    return prepare_corpus(_seed_documents())


def test_seed_documents_detect_their_languages(seed_corpus):
    assert [(d.id, d.lang) for d in seed_corpus.documents] == [
        ("000", "ru"), ("001", "ru"), ("002", "de"), ("003", "zh")]
    assert all(not d.lang_given for d in seed_corpus.documents)


def test_seed_page_chrome_is_gone(seed_corpus):
    text = "\n".join(d.text for d in seed_corpus.documents)
    for debris in ("特别声明", "NetEase", "Quelle: https://", "https://", "Foto: La Viet",
                   "Kommentar (0)", "网易首页", "分享至", "申请入驻", "来源:秦科技", "编辑:",
                   "4041文章数", "无障碍浏览"):
        assert debris not in text, debris
    segment_text = "\n".join(seed_corpus.texts)
    assert "Foto:" not in segment_text and "特别声明" not in segment_text


def test_seed_article_text_is_kept(seed_corpus):
    by_id = {d.id: d.text for d in seed_corpus.documents}
    assert "Мурашко заявил о дальнейшем углублении сотрудничества" in by_id["001"]
    assert "INTERFAX.RU" in by_id["001"]
    assert ("Herr Nguyen The Toan, Direktor des Gesundheitsamtes der Provinz Lang Son und "
            "Leiter der Delegation, sprach auf der Konferenz.") in by_id["002"]
    assert "为陕西卫生健康事业全面发展贡献国际医学与人才智慧。" in by_id["003"]
    assert by_id["000"].startswith("Вопросы регулярного обмена опытом")


def test_seed_cleaning_counts(seed_corpus):
    cleaning = seed_corpus.cleaning
    assert set(RULE_NAMES) | {"empty_documents"} <= set(cleaning)
    assert cleaning["empty_documents"] == 0
    assert cleaning["photo_credit"] == 4
    assert cleaning["platform_disclaimer"] >= 2
    assert cleaning["widget"] >= 3
    assert cleaning["navigation"] == 1
    assert cleaning["source_attribution"] >= 3
    assert all(isinstance(v, int) for v in cleaning.values())


def test_seed_segments(seed_corpus):
    segments = seed_corpus.segments
    assert len(segments) > 40
    for doc in seed_corpus.documents:
        own = [s for s in segments if s.doc_id == doc.id]
        assert [s.id for s in own] == [f"{doc.id}#{n}" for n in range(len(own))]
        assert {s.date for s in own} == {doc.date}
        assert {s.label for s in own} == {doc.label}
        assert {s.group for s in own} == {"g1"}
        assert {s.lang for s in own} == {doc.lang}
    assert seed_corpus.documents[0].date == "2025-11-25"
    assert seed_corpus.documents[2].date is None


def test_unit_document_uses_document_ids():
    corpus = prepare_corpus(_seed_documents(), unit="document")
    assert corpus.ids == ["000", "001", "002", "003"]
    assert corpus.texts == [d.text for d in corpus.documents]
    assert corpus.langs == ["ru", "ru", "de", "zh"]


@pytest.mark.parametrize("unit", ["paragraph", "window"])
def test_other_units(unit):
    docs = _seed_documents()
    sentences = prepare_corpus(docs, unit="sentence")
    corpus = prepare_corpus(docs, unit=unit)
    assert 4 < len(corpus) < len(sentences)
    assert corpus.languages == ["de", "ru", "zh"]


def test_empty_documents_are_dropped_and_counted():
    docs = [Document(id="a", text="Quelle: https://example.org/x\n\nKommentar (0)"),
            Document(id="b", text="   "),
            Document(id="c", text="Die Konferenz fand am Montag in Lang Son statt.")]
    corpus = prepare_corpus(docs)
    assert [d.id for d in corpus.documents] == ["c"]
    assert corpus.cleaning["empty_documents"] == 2
    assert corpus.ids == ["c#0"]


def test_clean_false_keeps_the_text():
    docs = [Document(id="a", text="Die Konferenz fand am Montag statt.\n\nKommentar (0)\n")]
    corpus = prepare_corpus(docs, clean=False, unit="document")
    assert corpus.documents[0].text == "Die Konferenz fand am Montag statt.\n\nKommentar (0)"
    assert corpus.cleaning["widget"] == 0


def test_given_language_wins_for_every_segment():
    doc = Document(id="x", text="Это русский текст о медицине. Второе предложение тоже русское.",
                   lang="de", lang_given=True)
    corpus = prepare_corpus([doc])
    assert corpus.documents[0].lang == "de"
    assert corpus.documents[0].lang_given
    assert set(corpus.langs) == {"de"}


def test_given_language_is_normalized():
    doc = Document(id="x", text="中医药文化传播合作。", lang="zh-CN", lang_given=True)
    assert prepare_corpus([doc]).langs == ["zh"]


def test_each_segment_gets_its_own_language():
    text = ("Министр здравоохранения провёл встречу с китайскими коллегами в Пекине.\n\n"
            "Die Gesundheitsbehörden beider Länder unterzeichneten ein Protokoll über die "
            "Zusammenarbeit.\n\n"
            "Стороны договорились о регулярном обмене опытом между врачами.\n\n"
            "省医促会坚持探索中西医共同发展路径。")
    corpus = prepare_corpus([Document(id="m", text=text)])
    assert corpus.documents[0].lang == "ru"
    assert corpus.langs == ["ru", "de", "ru", "zh"]


def test_short_or_unsure_segments_fall_back_to_the_document_language():
    text = ("Министр здравоохранения провёл встречу с китайскими коллегами в Пекине. "
            "Встреча прошла хорошо. Стороны договорились о регулярном обмене опытом.")
    corpus = prepare_corpus([Document(id="s", text=text)], min_words=0)
    assert corpus.texts[1] == "Встреча прошла хорошо."
    assert corpus.langs == ["ru", "ru", "ru"]


def test_languages_restrict_detection():
    doc = Document(id="p", text="Встреча состоялась")
    assert prepare_corpus([doc], languages=["ru", "de", "zh"]).langs == ["ru"]


def test_text_without_letters_has_no_language():
    corpus = prepare_corpus([Document(id="n", text="Проект № 1234")], clean=False)
    assert corpus.documents[0].lang in {"ru", None}
    corpus = prepare_corpus([Document(id="n", text="(1234) 5678 — 9")], clean=False)
    assert corpus.documents[0].lang is None
    assert corpus.langs == ["und"]


def test_empty_corpus():
    corpus = prepare_corpus([])
    assert corpus.documents == [] and corpus.segments == []
    assert corpus.cleaning["empty_documents"] == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"unit": "sentences"}, r"unit must be one of document, paragraph, sentence, window; got 'sentences'"),
        ({"unit": "window", "window_size": 2, "window_overlap": 3}, r"window_overlap must be smaller"),
        ({"languages": ["ru", "xx"]}, r"unsupported language code 'xx'"),
    ],
)
def test_invalid_arguments_raise_config_error_even_for_an_empty_corpus(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        prepare_corpus([], **kwargs)


def test_input_documents_are_not_modified():
    docs = _seed_documents()
    before = [d.text for d in docs]
    prepare_corpus(docs)
    assert [d.text for d in docs] == before


def test_undetermined_given_language_is_detected():
    doc = Document(id="u", text="Die Konferenz fand am Montag in Lang Son statt.", lang="und",
                   lang_given=True)
    corpus = prepare_corpus([doc])
    assert corpus.documents[0].lang == "de"
    assert not corpus.documents[0].lang_given
