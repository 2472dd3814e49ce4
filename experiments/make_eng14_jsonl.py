"""Build ``experiments/data/sib200_eng14/eng_14.jsonl`` from SIB-200's finer English annotation.

The source is a copy of the SIB-200 data folder that holds ``eng_14/`` (``--source``, or the
environment variable ``SIB200_DATA``): 1,434 English FLORES sentences in 14 categories (SIB-200 ``data/eng_14/``). Each line:
``id`` (``en14-<index_id>``), ``text``, ``lang`` (``en``), ``label`` (one of the 14
categories), ``group`` (the FLORES index id), ``split``. The data is CC BY-SA 4.0: the
source's NOTICE.md is copied next to the JSONL.

Usage: ``python experiments/make_eng14_jsonl.py --source FOLDER`` (the built JSONL is committed, so
only a rebuild needs the source).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "experiments" / "data" / "sib200_eng14"
#: Environment variable naming the SIB-200 data folder when --source is not given.
SOURCE_ENV = "SIB200_DATA"
SPLITS = ("train", "dev", "test")


def read_rows(folder: Path) -> list[dict]:
    rows = []
    for split in SPLITS:
        with (folder / f"{split}.tsv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                rows.append({"id": f"en14-{row['index_id']}", "text": row["text"], "lang": "en",
                             "label": row["category"], "group": row["index_id"], "split": split})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = os.environ.get(SOURCE_ENV)
    parser.add_argument("--source", type=Path, default=Path(default) if default else None, required=not default,
                        help=f"The SIB-200 folder holding eng_14/ (default: ${SOURCE_ENV}).")
    args = parser.parse_args(argv)
    if not (args.source / "eng_14").is_dir():
        parser.error(f"{args.source}: no eng_14/ folder in it; pass the SIB-200 data folder with --source")
    rows = read_rows(args.source / "eng_14")
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.source / "NOTICE.md", OUT / "NOTICE.md")
    path = OUT / "eng_14.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(rows)} lines, {len({r['label'] for r in rows})} labels")


if __name__ == "__main__":
    main()
