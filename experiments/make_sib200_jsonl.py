"""Build the JSONL corpora the configs and benchmarks use from the vendored SIB-200 TSV files.

Writes ``experiments/data/sib200/ru_de_zh.jsonl`` (3,012 sentences) and ``en.jsonl``
(1,004 sentences). Each line: ``id`` (``<lang>-<index_id>``), ``text``, ``lang``, ``label``
(the SIB-200 category), ``group`` (the FLORES index id: translations share it), ``split``.
The data is CC BY-SA 4.0 (see experiments/data/sib200/NOTICE.md).

Usage: ``python experiments/make_sib200_jsonl.py``
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "sib200"
LANGS = {"rus_Cyrl": "ru", "deu_Latn": "de", "zho_Hans": "zh", "eng_Latn": "en"}
SPLITS = ("train", "dev", "test")


def read_language(folder: str) -> list[dict]:
    rows = []
    for split in SPLITS:
        with (DATA / folder / f"{split}.tsv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                rows.append({"id": f"{LANGS[folder]}-{row['index_id']}", "text": row["text"],
                             "lang": LANGS[folder], "label": row["category"],
                             "group": row["index_id"], "split": split})
    return rows


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{path.relative_to(DATA.parent.parent.parent)}: {len(rows)} lines")


def main() -> None:
    write(DATA / "ru_de_zh.jsonl", [r for f in ("rus_Cyrl", "deu_Latn", "zho_Hans") for r in read_language(f)])
    write(DATA / "en.jsonl", read_language("eng_Latn"))


if __name__ == "__main__":
    main()
