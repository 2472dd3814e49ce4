"""A saved topic model on disk: JSON plus arrays, never pickle, every file checksummed.

Layout of a model folder::

    model.json           what the model is: format, versions, config, embedder, topics (readable)
    units.json           the training units, column by column (ids, languages, topics, ...)
    arrays.safetensors   every array (safetensors: a JSON header and raw little-endian data)
    SHA256SUMS           ``<sha256>  <file>`` per line for the files above (``sha256sum -c``)

:func:`write_model_folder` writes the files into a temporary folder beside the target
and renames it into place, so a model folder is complete or absent. :func:`read_model_folder`
checks ``SHA256SUMS`` strictly (format, names, hashes) before it parses anything, so a flipped
byte in any file, a missing file, or a folder written by a newer format is one
:class:`~toolkit.errors.TopicModelError` that names the file and what to do.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.errors import TopicModelError
from toolkit.files import fsync_dir, jsonable

__all__ = ["FORMAT", "MODEL_FILES", "write_model_folder", "read_model_folder", "file_sha256"]

#: Version of the folder layout and of model.json's keys; a newer one is refused.
FORMAT = 1
#: The files of a model folder, in the order SHA256SUMS lists them.
MODEL_FILES = ("model.json", "units.json", "arrays.safetensors")
_JSON_FILES = ("model.json", "units.json")
_SUMS = "SHA256SUMS"
_LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$")


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_model_folder(path: str | Path, meta: dict[str, Any], units: dict[str, Any],
                       arrays: dict[str, np.ndarray]) -> Path:
    """Write a model folder at ``path`` (which must not exist, or be an empty folder).

    Parameters
    ----------
    path : path
        The folder to create.
    meta : dict
        JSON-serialisable description (model.json); ``format`` is added.
    units : dict
        JSON-serialisable unit table (units.json).
    arrays : dict of str to ndarray
        Numeric arrays (no object dtype).

    Raises
    ------
    TopicModelError
        ``path`` exists and is not empty, or cannot be written.
    """
    from safetensors.numpy import save_file

    target = Path(path)
    if target.exists() and not (target.is_dir() and not any(target.iterdir())):
        raise TopicModelError(f"{target}: already exists and is not an empty folder; save the model "
                              f"to a new folder (a saved model is never overwritten)")
    tmp = target.with_name(f".{target.name}.partial-{uuid.uuid4().hex[:8]}")
    try:
        tmp.mkdir(parents=True)
        doc = {"format": FORMAT, **meta}
        (tmp / "model.json").write_text(json.dumps(jsonable(doc), ensure_ascii=False, indent=1, allow_nan=False)
                                        + "\n", encoding="utf-8")
        (tmp / "units.json").write_text(json.dumps(jsonable(units), ensure_ascii=False, separators=(",", ":"),
                                                   allow_nan=False) + "\n", encoding="utf-8")
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp / "arrays.safetensors"))
        sums = "".join(f"{file_sha256(tmp / name)}  {name}\n" for name in MODEL_FILES)
        (tmp / _SUMS).write_text(sums, encoding="ascii")
        if target.exists():
            target.rmdir()
        tmp.rename(target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise TopicModelError(f"{target}: cannot save the model here ({exc.strerror or exc}); choose a "
                              f"writable folder") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(target.parent)
    return target


def _damaged(path: Path, what: str) -> TopicModelError:
    return TopicModelError(f"{path}: {what}; the saved model is damaged or was changed after saving. "
                           f"Save it again from the fitted model, or rerun the experiment")


def _check_sums(folder: Path) -> None:
    sums = folder / _SUMS
    try:
        text = sums.read_bytes().decode("ascii")
    except FileNotFoundError:
        raise TopicModelError(f"{folder}: not a saved topic model (no {_SUMS}); pass the folder that "
                              f"TopicBridge.save or `topicbridge run` (model/) wrote") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _damaged(sums, f"unreadable ({exc})") from None
    lines = text.split("\n")
    if lines[-1] != "" or len(lines) != len(MODEL_FILES) + 1:
        raise _damaged(sums, f"expected {len(MODEL_FILES)} lines")
    for line, name in zip(lines, MODEL_FILES):
        match = _LINE.match(line)
        if match is None or match.group(2) != name:
            raise _damaged(sums, f"the line for {name} is malformed")
        if not (folder / name).is_file():
            raise _damaged(folder / name, "missing")
        if file_sha256(folder / name) != match.group(1):
            raise _damaged(folder / name, f"its checksum does not match {_SUMS}")


def read_model_folder(path: str | Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, np.ndarray]]:
    """Verify and read a model folder written by :func:`write_model_folder`.

    Returns
    -------
    meta : dict
        model.json.
    units : dict
        units.json.
    arrays : dict of str to ndarray

    Raises
    ------
    TopicModelError
        Not a model folder, a file missing, extra, changed or unparsable, or a newer format.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    folder = Path(path)
    if not folder.is_dir():
        raise TopicModelError(f"{folder}: no such folder; pass the folder that TopicBridge.save or "
                              f"`topicbridge run` (model/ in the run directory) wrote")
    _check_sums(folder)
    docs = {}
    for name in _JSON_FILES:
        try:
            docs[name] = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _damaged(folder / name, f"unreadable ({exc})") from None
        if not isinstance(docs[name], dict):
            raise _damaged(folder / name, "not a JSON object")
    meta, units = docs["model.json"], docs["units.json"]
    if not isinstance(meta, dict) or not isinstance(meta.get("format"), int):
        raise _damaged(folder / "model.json", "no format number")
    if meta["format"] > FORMAT:
        raise TopicModelError(f"{folder}: saved in model format {meta['format']} by topicbridge "
                              f"{meta.get('toolkit_version', '?')}; this topicbridge reads format {FORMAT} "
                              f"and older: upgrade topicbridge to load it")
    try:
        arrays = load_file(str(folder / "arrays.safetensors"))
    except (OSError, SafetensorError, ValueError) as exc:
        raise _damaged(folder / "arrays.safetensors", f"unreadable ({exc})") from None
    return meta, units, arrays
