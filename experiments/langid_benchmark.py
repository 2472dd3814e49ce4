"""Compare language identifiers on SIB-200 sentences and on short phrases.

Systems compared:

* ``py3langid-raw``: py3langid's own answer (all ~140 labels, no mapping);
* ``toolkit``: :class:`toolkit.corpus.langid.LanguageIdentifier` (py3langid + macro-language
  mapping + one-language scripts), all languages allowed;
* ``toolkit-4``: the same restricted to ru, de, zh, en;
* ``lingua``: lingua-language-detector with all its 75 languages;
* ``lingua-4``: lingua restricted to ru, de, zh, en.

Test sets, built from ``experiments/data/sib200/<lang>/{train,dev,test}.tsv``:

* ``sentences``: every sentence (1,004 per language);
* ``phrases``: the first two words of every sentence (the first four characters for
  Chinese), a stand-in for headings, captions and short segments; phrases without a
  letter (``1994``) have no language and are left out.

Accuracy counts an answer as right when it maps to the gold ISO 639-1 code (so
``py3langid-raw`` is penalised for ``wuu``). Speed is texts per second on one thread,
after the model is loaded (load time is reported separately). lingua keeps loaded
language models for the whole process, so ``lingua-4`` runs before ``lingua`` to report
its own load time. For the ``toolkit`` systems the share of answers with confidence at
least ``MIN_SEGMENT_CONFIDENCE`` and their accuracy are reported too: that is the bar a
segment's own language must clear in ``prepare_corpus``.

Run from the repository root (lingua comes with the ``bench`` extra:
``pip install -e ".[bench]"``)::

    python experiments/langid_benchmark.py            # full run, about a minute
    python experiments/langid_benchmark.py --limit 50 # quick check

Prints a table and writes ``experiments/results/langid.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "experiments" / "data" / "sib200"
RESULTS = ROOT / "experiments" / "results" / "langid.json"
LANGS = {"rus_Cyrl": "ru", "deu_Latn": "de", "zho_Hans": "zh", "eng_Latn": "en"}
SPLITS = ("train", "dev", "test")


def read_sentences(limit: int | None) -> list[tuple[str, str]]:
    """(gold ISO 639-1 code, sentence) pairs from the SIB-200 TSV files."""
    pairs: list[tuple[str, str]] = []
    for folder, code in LANGS.items():
        rows: list[str] = []
        for split in SPLITS:
            with open(DATA / folder / f"{split}.tsv", encoding="utf-8", newline="") as fh:
                rows.extend(row["text"] for row in csv.DictReader(fh, delimiter="\t"))
        pairs.extend((code, text) for text in rows[:limit])
    return pairs


def short_phrase(code: str, text: str) -> str:
    """The first two words of a sentence, or its first four characters for Chinese."""
    if code == "zh":
        return "".join(c for c in text if not c.isspace())[:4]
    return " ".join(text.split()[:2])


def make_systems() -> dict[str, tuple[Callable[[], object], Callable[[object, str], str | None]]]:
    """Name -> (loader, detect(model, text)) for each system."""
    from toolkit.corpus.langid import LanguageIdentifier

    def py3langid_raw() -> object:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier as Raw
        return Raw.from_model_file(MODEL_FILE, norm_probs=True)

    def toolkit_all() -> object:
        ident = LanguageIdentifier()
        ident.detect("warm up the shared model")
        return ident

    def toolkit_4() -> object:
        ident = LanguageIdentifier(list(LANGS.values()))
        ident.detect("warm up the shared model")
        return ident

    def lingua(languages: list[str] | None) -> Callable[[], object]:
        def load() -> object:
            from lingua import IsoCode639_1, LanguageDetectorBuilder
            if languages is None:
                builder = LanguageDetectorBuilder.from_all_languages()
            else:
                codes = [getattr(IsoCode639_1, c.upper()) for c in languages]
                builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
            detector = builder.with_preloaded_language_models().build()
            return detector
        return load

    def lingua_detect(model: object, text: str) -> str | None:
        lang = model.detect_language_of(text)  # type: ignore[attr-defined]
        return None if lang is None else lang.iso_code_639_1.name.lower()

    return {
        "py3langid-raw": (py3langid_raw, lambda m, t: m.classify(t)[0]),  # type: ignore[attr-defined]
        "toolkit": (toolkit_all, lambda m, t: m.detect(t)),  # type: ignore[attr-defined]
        "toolkit-4": (toolkit_4, lambda m, t: m.detect(t)),  # type: ignore[attr-defined]
        "lingua": (lingua(None), lingua_detect),
        "lingua-4": (lingua(list(LANGS.values())), lingua_detect),
    }


def evaluate(detect: Callable[[str], str | None], pairs: list[tuple[str, str]]) -> dict[str, object]:
    """Accuracy overall and per language, texts per second, and the commonest errors."""
    from toolkit.corpus.langid import normalize_language_code

    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    start = time.perf_counter()
    answers = [detect(text) for _, text in pairs]
    seconds = time.perf_counter() - start
    for (gold, _), answer in zip(pairs, answers):
        total[gold] += 1
        if normalize_language_code(answer) == gold:
            right[gold] += 1
        else:
            errors[f"{gold}->{answer}"] += 1
    return {
        "n": len(pairs),
        "accuracy": sum(right.values()) / max(1, len(pairs)),
        "accuracy_by_lang": {g: right[g] / total[g] for g in total},
        "texts_per_second": len(pairs) / seconds if seconds else float("inf"),
        "top_errors": dict(errors.most_common(5)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None,
                        help="sentences per language (default: all 1,004)")
    parser.add_argument("--systems", default="py3langid-raw,toolkit,toolkit-4,lingua-4,lingua",
                        help="comma-separated systems to run")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    sentences = read_sentences(args.limit)
    # Phrases without a letter ("1994") have no language and are left out.
    phrases = [(code, short_phrase(code, text)) for code, text in sentences]
    phrases = [(code, p) for code, p in phrases if any(c.isalpha() for c in p)]
    systems = make_systems()

    results: dict[str, dict[str, object]] = {}
    for name in args.systems.split(","):
        load, detect = systems[name]
        t0 = time.perf_counter()
        model = load()
        load_seconds = time.perf_counter() - t0
        results[name] = {
            "load_seconds": load_seconds,
            "sentences": evaluate(lambda t: detect(model, t), sentences),
            "phrases": evaluate(lambda t: detect(model, t), phrases),
        }

    # How trustworthy is a confident answer on short text? prepare_corpus keeps a
    # segment's own language only when its confidence reaches MIN_SEGMENT_CONFIDENCE.
    from toolkit.corpus.langid import LanguageIdentifier
    from toolkit.corpus.prepare import MIN_SEGMENT_CONFIDENCE

    for name, candidates in (("toolkit", None), ("toolkit-4", list(LANGS.values()))):
        if name not in results:
            continue
        ident = LanguageIdentifier(candidates)
        for part, pairs in (("sentences", sentences), ("phrases", phrases)):
            answers = [(gold, *ident.detect_with_confidence(t)) for gold, t in pairs]
            sure = [(g, a) for g, a, c in answers if c >= MIN_SEGMENT_CONFIDENCE]
            results[name][part]["confident_share"] = len(sure) / max(1, len(answers))  # type: ignore[index]
            results[name][part]["confident_accuracy"] = (  # type: ignore[index]
                sum(g == a for g, a in sure) / len(sure) if sure else None)

    header = f"{'system':<15}{'load s':>8}{'sent acc':>10}{'phrase acc':>12}{'sent/s':>10}{'phrase/s':>10}"
    print(header)
    print("-" * len(header))
    for name, res in results.items():
        s, p = res["sentences"], res["phrases"]
        print(f"{name:<15}{res['load_seconds']:>8.2f}{s['accuracy']:>10.2%}{p['accuracy']:>12.2%}"  # type: ignore[index]
              f"{s['texts_per_second']:>10.0f}{p['texts_per_second']:>10.0f}")  # type: ignore[index]
    print()
    for name, res in results.items():
        for part in ("sentences", "phrases"):
            r = res[part]
            by_lang = ", ".join(f"{k} {v:.1%}" for k, v in r["accuracy_by_lang"].items())  # type: ignore[union-attr]
            print(f"{name:<15}{part:<10} {by_lang}   errors: {r['top_errors']}")  # type: ignore[index]
            if "confident_share" in r:  # type: ignore[operator]
                print(f"{'':<25} confidence >= {MIN_SEGMENT_CONFIDENCE}: "
                      f"{r['confident_share']:.1%} of texts, accuracy "  # type: ignore[index]
                      f"{r['confident_accuracy']:.2%}")  # type: ignore[index]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": "python experiments/langid_benchmark.py"
                   + (f" --limit {args.limit}" if args.limit else ""),
        "data": "SIB-200 rus_Cyrl, deu_Latn, zho_Hans, eng_Latn (train+dev+test)",
        "python": platform.python_version(),
        "results": results,
    }
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
