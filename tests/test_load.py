import json

import pytest

from toolkit.corpus.load import detect_format, read_documents
from toolkit.errors import CorpusError


def test_seed_folder_dates_become_metadata(in_repo):
    docs = {d.id: d for d in read_documents("seeds")}
    assert sorted(docs) == ["000_4904ae50eedf6daa", "001_d229a97ebd97c49c",
                            "002_a62c33f030ab2bec", "003_e46b2c14a09b0e81"]
    assert docs["000_4904ae50eedf6daa"].date == "2025-11-25"
    assert docs["001_d229a97ebd97c49c"].date == "2025-09-02"
    assert docs["002_a62c33f030ab2bec"].date is None
    for doc in docs.values():
        assert "date 20" not in doc.text[:40]
    assert docs["000_4904ae50eedf6daa"].text.startswith("Вопросы регулярного")


def test_txt_date_line_alone_and_with_spaces(tmp_path):
    (tmp_path / "a.txt").write_text("   date 2024-02-29\nBody text here.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("no date here\n", encoding="utf-8")
    (tmp_path / "ignored.md").write_text("x", encoding="utf-8")
    docs = read_documents(tmp_path)
    assert [(d.id, d.date) for d in docs] == [("a", "2024-02-29"), ("b", None)]
    assert docs[0].text.strip() == "Body text here."


def test_txt_invalid_date(tmp_path):
    (tmp_path / "a.txt").write_text("date 2024-13-40 text", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.txt: date '2024-13-40' is not an ISO date"):
        read_documents(tmp_path)


def test_txt_not_utf8(tmp_path):
    (tmp_path / "a.txt").write_bytes("Привет".encode("cp1251"))
    with pytest.raises(CorpusError, match=r"a\.txt: not UTF-8"):
        read_documents(tmp_path)


def test_empty_folder(tmp_path):
    with pytest.raises(CorpusError, match="holds no .txt files"):
        read_documents(tmp_path)


def test_missing_path(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        read_documents(tmp_path / "nope")


def _jsonl(tmp_path, records, name="c.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
                    encoding="utf-8")
    return path


def test_jsonl_fields_and_metadata(tmp_path):
    path = _jsonl(tmp_path, [
        {"id": "a1", "text": "Привет", "lang": "RU", "date": "2025-01-02", "label": "x", "group": 7, "source": "tass"},
        {"text": "Hallo"},
        "",
    ])
    a, b = read_documents(path)
    assert (a.id, a.lang, a.lang_given, a.date, a.label, a.group) == ("a1", "ru", True, "2025-01-02", "x", "7")
    assert a.meta == {"source": "tass"}
    assert (b.id, b.lang, b.lang_given) == ("2", None, False)


@pytest.mark.parametrize("line,message", [
    ("{not json", r"c\.jsonl:1: not valid JSON"),
    ('["a"]', r"c\.jsonl:1: each line must be a JSON object"),
    ('{"id": 1}', r"c\.jsonl:1: missing 'text'"),
    ('{"text": 5}', r"c\.jsonl:1: missing 'text' \(a string\)"),
])
def test_jsonl_errors_name_file_and_line(tmp_path, line, message):
    with pytest.raises(CorpusError, match=message):
        read_documents(_jsonl(tmp_path, [line]))


def test_jsonl_duplicate_id(tmp_path):
    path = _jsonl(tmp_path, [{"id": "x", "text": "a"}, {"id": "x", "text": "b"}])
    with pytest.raises(CorpusError, match=r"c\.jsonl:2: duplicate id 'x'"):
        read_documents(path)


def test_jsonl_limit(tmp_path):
    path = _jsonl(tmp_path, [{"text": f"t{i}"} for i in range(10)])
    assert len(read_documents(path, limit=3)) == 3


def test_csv_and_tsv_with_column_mapping(tmp_path):
    csv_path = tmp_path / "c.csv"
    csv_path.write_text('doc,body,language,when\n1,"Hallo, Welt",de,2020-05-01\n2,Привет,,\n', encoding="utf-8")
    docs = read_documents(csv_path, columns={"text": "body", "id": "doc", "lang": "language", "date": "when"})
    assert [(d.id, d.text, d.lang, d.date) for d in docs] == [("1", "Hallo, Welt", "de", "2020-05-01"),
                                                               ("2", "Привет", None, None)]
    tsv_path = tmp_path / "c.tsv"
    tsv_path.write_text("text\textra\n中文句子\tkept\n", encoding="utf-8")
    (doc,) = read_documents(tsv_path)
    assert (doc.id, doc.text, doc.meta) == ("1", "中文句子", {"extra": "kept"})


def test_csv_missing_text_column(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"no column 'text' \(columns: a, b\); set corpus\.text_column"):
        read_documents(path)


def test_format_detection(tmp_path):
    assert detect_format(tmp_path) == "txt"
    assert detect_format(tmp_path / "x.JSONL") == "jsonl"
    assert detect_format(tmp_path / "x.tsv") == "csv"
    assert detect_format(tmp_path / "x.csv", "jsonl") == "jsonl"
    assert detect_format(tmp_path / "x.parquet") == "parquet"
    with pytest.raises(CorpusError, match="set corpus.format"):
        detect_format(tmp_path / "x.xlsx")


def test_parquet_reads_like_jsonl(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install pyarrow)")
    import json

    import pyarrow.parquet as pq

    rows = [{"id": "a", "text": "Erster Text.", "lang": "de", "date": "2024-01-02", "label": "x", "group": "g1",
             "source_url": "u1"},
            {"id": "b", "text": "第二个文本。", "lang": "zh", "date": None, "label": None, "group": "g1",
             "source_url": "u2"}]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                      encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "c.parquet")
    from_jsonl = read_documents(tmp_path / "c.jsonl")
    from_parquet = read_documents(tmp_path / "c.parquet")
    assert [(d.id, d.text, d.lang, d.date, d.label, d.group, d.meta) for d in from_parquet] == \
        [(d.id, d.text, d.lang, d.date, d.label, d.group, d.meta) for d in from_jsonl]


def test_parquet_errors(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install pyarrow)")
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist([{"body": "x"}]), tmp_path / "no_text.parquet")
    with pytest.raises(CorpusError, match="no column 'text'"):
        read_documents(tmp_path / "no_text.parquet")
    (tmp_path / "bad.parquet").write_text("not parquet", encoding="utf-8")
    with pytest.raises(CorpusError, match="not a readable Parquet file"):
        read_documents(tmp_path / "bad.parquet")
    pq.write_table(pa.Table.from_pylist([{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]), tmp_path / "dup.parquet")
    with pytest.raises(CorpusError, match="duplicate id 'a'"):
        read_documents(tmp_path / "dup.parquet")


def test_declared_format_mismatch(tmp_path):
    with pytest.raises(CorpusError, match="corpus.format is jsonl but the path is a folder"):
        read_documents(tmp_path, "jsonl")
