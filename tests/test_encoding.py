"""Corpus files in legacy encodings, UTF-16 and UTF-8 with a BOM, in every reader."""

import csv
import io
import json
import os

import pytest

from toolkit.corpus.encoding import decode_bytes, open_text, read_text
from toolkit.corpus.load import read_documents
from toolkit.errors import CorpusError

RU = ["Больница в Москве принимает пациентов из Казахстана и Узбекистана.",
      "Врачи обсуждают новые методы лечения сердечных заболеваний.",
      "Медицинский туризм растёт: клиники предлагают операции по доступным ценам."]
ZH = ["这家医院接待来自俄罗斯和哈萨克斯坦的患者。",
      "医生们讨论治疗心脏病的新方法。",
      "医疗旅游不断增长：诊所以合理的价格提供手术。"]
DE = ["Das Krankenhaus in München behandelt Patienten aus Österreich.",
      "Ärzte besprechen neue Methoden zur Behandlung von Herzkrankheiten.",
      "Der Medizintourismus wächst: Kliniken bieten Operationen zu günstigen Preisen."]

# (codec, texts the codec can write, what auto should call it)
CASES = [
    ("cp1251", RU, "cp1251 (detected)"),
    ("gb18030", ZH, "gb18030 (detected)"),
    ("gb18030", RU + DE + ZH, "gb18030 (detected)"),
    ("utf-16", RU + DE + ZH, "utf-16"),
    ("utf-16-le", RU + DE + ZH, "utf-16-le"),
    ("utf-16-be", ZH, "utf-16-be"),
    ("utf-8-sig", RU + DE + ZH, "utf-8-sig"),
    ("utf-8", RU + DE + ZH, "utf-8"),
]


def _jsonl_text(texts):
    return "".join(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts))


def _csv_text(texts, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["id", "text"])
    writer.writerows([f"d{i}", t] for i, t in enumerate(texts))
    return out.getvalue()


@pytest.mark.parametrize("codec,texts,label", CASES)
def test_decode_bytes_auto(codec, texts, label):
    text = "\n".join(texts) + "\n"
    decoded, how = decode_bytes(text.encode(codec))
    assert decoded == text
    assert how.label == label


@pytest.mark.parametrize("codec,texts,label", CASES)
@pytest.mark.parametrize("fmt", ["txt", "jsonl", "csv", "tsv"])
def test_every_reader_reads_every_encoding(tmp_path, codec, texts, label, fmt):
    if fmt == "txt":
        folder = tmp_path / "docs"
        folder.mkdir()
        for i, t in enumerate(texts):
            # one file per document; detection needs some text, so each file holds all lines
            (folder / f"d{i}.txt").write_bytes(("\n".join([t] + texts)).encode(codec))
        docs = read_documents(folder)
        assert [d.text.split("\n")[0] for d in docs] == texts
    else:
        body = _jsonl_text(texts) if fmt == "jsonl" else _csv_text(texts, "\t" if fmt == "tsv" else ",")
        path = tmp_path / f"c.{'jsonl' if fmt == 'jsonl' else fmt}"
        path.write_bytes(body.encode(codec))
        docs = read_documents(path)
        assert [d.text for d in docs] == texts
        assert [d.id for d in docs] == [f"d{i}" for i in range(len(texts))]
    assert {d.encoding for d in docs} == {label}


def test_declared_encoding_is_used_without_detection(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(_jsonl_text(RU[:1]).encode("cp1251"))
    docs = read_documents(path, encoding="cp1251")
    assert docs[0].text == RU[0] and docs[0].encoding == "cp1251"


def test_declared_utf8_skips_a_bom(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(_csv_text(DE).encode("utf-8-sig"))
    docs = read_documents(path, encoding="utf-8")
    assert [d.text for d in docs] == DE and docs[0].id == "d0"


@pytest.mark.parametrize("written,declared", [("utf-16", "utf-16-le"), ("utf-32", "utf-32-le"),
                                              ("utf-8-sig", "UTF-8")])
def test_declared_codec_of_the_bom_family_skips_the_bom(written, declared):
    text = "\n".join(RU)
    assert decode_bytes(text.encode(written), declared)[0] == text


@pytest.mark.parametrize("fmt", ["txt", "jsonl", "csv"])
def test_wrong_declared_encoding_names_file_offset_and_key(tmp_path, fmt):
    body = {"txt": "\n".join(RU), "jsonl": _jsonl_text(RU), "csv": _csv_text(RU)}[fmt]
    path = tmp_path / f"c.{fmt}"
    path.write_bytes(body.encode("cp1251"))
    offset = next(i for i, b in enumerate(body.encode("cp1251")) if b >= 0x80)
    target = path if fmt != "txt" else path
    with pytest.raises(CorpusError, match=rf"c\.{fmt}: not utf-8 text \(corpus\.encoding: utf-8\): byte {offset} "
                                          r"\(0x[0-9a-f]{2}\) is not valid utf-8; set corpus\.encoding"):
        read_documents(target, fmt, encoding="utf-8")


def test_too_little_text_to_detect_is_an_error(tmp_path):
    (tmp_path / "a.txt").write_bytes("Привет".encode("cp1251"))
    with pytest.raises(CorpusError, match=r"a\.txt: not UTF-8 text: byte 0 \(0xcf\) is not valid utf-8; set "
                                          r"corpus\.encoding.*too few non-ASCII bytes"):
        read_documents(tmp_path)


@pytest.mark.parametrize("fmt", ["txt", "jsonl", "csv"])
@pytest.mark.parametrize("blob", ["random", "elf", "zeros"])
def test_binary_file_is_one_clear_error(tmp_path, fmt, blob):
    data = {"random": os.urandom(4096), "elf": b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8,
            "zeros": b"id,text\n" + b"\x00" * 100}[blob]
    path = tmp_path / f"c.{fmt}"
    path.write_bytes(data)
    with pytest.raises(CorpusError, match=rf"c\.{fmt}: (a binary file, not text|not UTF-8 text)"):
        read_documents(path, fmt)


def test_undecodable_byte_far_into_the_file_is_named(tmp_path):
    # cp1251 text with a byte that cp1251 leaves undefined (0x98) at the end
    good = ("\n".join(RU * 20) + "\n").encode("cp1251")
    path = tmp_path / "c.txt"
    path.write_bytes(good + b"\x98")
    with pytest.raises(CorpusError, match=rf"c\.txt: not cp1251 text \(corpus\.encoding: cp1251\): "
                                          rf"byte {len(good)} \(0x98\)"):
        read_text(path, "cp1251")


def test_truncated_utf16_is_an_error(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(("\n".join(RU)).encode("utf-16")[:-1])
    with pytest.raises(CorpusError, match=r"c\.txt: not utf-16 text .*ends inside a character"):
        read_text(path)


def test_unknown_codec_from_python(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"unknown encoding 'klingon' \(corpus\.encoding\)"):
        read_text(path, "klingon")


def test_open_text_streams_and_reports(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(_jsonl_text(RU * 50).encode("cp1251"))
    handle, how = open_text(path)
    with handle:
        lines = handle.readlines()
    assert len(lines) == 150 and how.detected and how.codec == "cp1251"


def test_config_rejects_an_unknown_encoding():
    from pydantic import ValidationError

    from toolkit.config import CorpusConfig

    assert CorpusConfig(encoding="AUTO").encoding == "auto"
    assert CorpusConfig(encoding="cp1251").encoding == "cp1251"
    with pytest.raises(ValidationError, match="unknown encoding 'nope'"):
        CorpusConfig(encoding="nope")


# ---------------------------------------------------------------- end to end: same topics
def _sib(folder, n):
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "experiments" / "data" / "sib200" / folder / "train.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [r["text"] for r in csv.DictReader(fh, delimiter="\t")]


def _encodable(texts, codec, n):
    out = []
    for t in texts:
        try:
            t.encode(codec)
        except UnicodeEncodeError:
            continue
        out.append(t)
    return out[:n]


def _write_corpus(folder, fmt, texts, codec):
    folder.mkdir(parents=True)
    if fmt == "txt":
        for i in range(0, len(texts), 8):  # one document per eight sentences
            (folder / f"doc{i // 8:02d}.txt").write_bytes("\n".join(texts[i:i + 8]).encode(codec))
        return folder
    body = _jsonl_text(texts) if fmt == "jsonl" else _csv_text(texts)
    path = folder / f"corpus.{fmt}"
    path.write_bytes(body.encode(codec))
    return path


def _run(tmp_path, corpus, name):
    from typer.testing import CliRunner

    from toolkit.cli import app

    config = tmp_path / f"{name}.yaml"
    config.write_text(
        f"name: {name}\nseed: 7\ncorpus: {{path: '{corpus}', unit: document, encoding: auto}}\n"
        "embedding: {model: hashing}\nclustering: {method: kmeans, n_clusters: 3}\n"
        "umap: {n_neighbors: 8}\ntopics: {outliers: none}\noutput: {map: false}\ncache: {enabled: false}\n"
        "model: {save: false}\n", encoding="utf-8")
    out = tmp_path / "runs" / name
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with (out / "assignments.csv").open(encoding="utf-8", newline="") as fh:
        assigned = [(r["id"], r["topic"], r["text"]) for r in csv.DictReader(fh)]
    with (out / "topics.csv").open(encoding="utf-8", newline="") as fh:
        topics = [(r["topic"], r["size"], r["keywords"]) for r in csv.DictReader(fh)]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return assigned, topics, manifest, result.output


E2E = [("cp1251", "ru"), ("gb18030", "zh"), ("utf-16", "ru+zh"), ("utf-8-sig", "ru+zh")]


@pytest.fixture(scope="module")
def e2e_texts():
    ru = _encodable(_sib("rus_Cyrl", 0), "cp1251", 48)
    zh = _sib("zho_Hans", 0)[:48]
    return {"ru": ru, "zh": zh, "ru+zh": ru[:24] + zh[:24]}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["txt", "jsonl", "csv"])
@pytest.mark.parametrize("codec,which", E2E)
def test_encoded_corpus_gives_the_topics_of_its_utf8_copy(tmp_path, e2e_texts, fmt, codec, which):
    texts = e2e_texts[which]
    plain = _run(tmp_path, _write_corpus(tmp_path / "utf8", fmt, texts, "utf-8"), "plain")
    coded = _run(tmp_path, _write_corpus(tmp_path / "coded", fmt, texts, codec), "coded")
    assert coded[0] == plain[0]  # same ids, topics and texts, unit by unit
    assert coded[1] == plain[1]  # same topic sizes and keywords
    expected = {"cp1251": "cp1251 (detected)", "gb18030": "gb18030 (detected)", "utf-16": "utf-16",
                "utf-8-sig": "utf-8-sig"}[codec]
    summary = coded[2]["corpus"]
    assert set(summary["encodings"]) == {expected}
    assert summary["encoding_files"] and set(summary["encoding_files"].values()) == {expected}
    assert plain[2]["corpus"]["encoding_files"] == {}
    assert f"read as {expected}" in coded[3]  # said in the output
    assert "read as" not in plain[3]


@pytest.mark.parametrize("fmt", ["txt", "jsonl", "csv"])
def test_binary_corpus_file_is_one_line_error_in_the_cli(tmp_path, fmt):
    from typer.testing import CliRunner

    from toolkit.cli import app

    corpus = tmp_path / ("docs" if fmt == "txt" else f"c.{fmt}")
    target = corpus / "a.txt" if fmt == "txt" else corpus
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 16)
    config = tmp_path / "c.yaml"
    config.write_text(f"corpus: {{path: '{corpus}'}}\nembedding: {{model: hashing}}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "run")])
    assert result.exit_code != 0
    assert "a binary file, not text" in result.output and "Traceback" not in result.output
