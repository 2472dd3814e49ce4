"""Writing a benchmark's JSON result without machine-specific paths.

Results are committed, so a path such as the repository's location or a scratch folder must
not appear in them: each given folder is written as a placeholder (``<repo>``, ``<workdir>``)
and anything inside the repository as a path relative to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]


def write_results(path: Path, data: Any, folders: dict[str, str | Path] | None = None,
                  default: Callable[[Any], Any] | None = None) -> None:
    """Write ``data`` as indented JSON to ``path``, with ``folders`` (placeholder -> folder) and
    the repository root replaced in every string."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=default)
    swaps = {str(Path(folder).resolve()): name for name, folder in (folders or {}).items()}
    swaps.update({str(Path(folder)): name for name, folder in (folders or {}).items()})
    for folder, name in sorted(swaps.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(folder, name)
    text = text.replace(str(ROOT) + "/", "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
