"""The config reference (docs/configuration.md), generated from the schema itself.

Generating it keeps every documented key, default and allowed value in step with what the
loader accepts; a test fails when the committed file is stale.
"""

from __future__ import annotations

import json
import typing
from typing import Any, Iterator

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from toolkit.config import ExperimentConfig

__all__ = ["iter_keys", "config_reference"]

_HEADER = """# Configuration reference

Every key an experiment config accepts, generated from the schema by
`topicbridge config keys --markdown > docs/configuration.md`. Unknown keys are errors naming
the key path. A config may `extends:` another file (relative to itself) and override only what
differs; `--set key.path=value` overrides any key from the command line (values are parsed as
YAML: `5`, `true`, `[a, b]`). Sweeps add a `sweep:` section (see docs/sweeps.md).

"""


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{v}`" for v in typing.get_args(annotation))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(_type_name(a) for a in typing.get_args(annotation))
    if origin in (list, tuple):
        args = typing.get_args(annotation)
        return f"list of {_type_name(args[0])}" if args else "list"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def _default(field) -> str:
    if field.default is PydanticUndefined:
        if field.default_factory is not None:
            value = field.default_factory()
            if isinstance(value, BaseModel):
                return ""
            return f"`{json.dumps(value, ensure_ascii=False)}`"
        return "(required)"
    if isinstance(field.default, BaseModel):
        return ""
    return f"`{json.dumps(field.default, ensure_ascii=False)}`"


def _constraints(field) -> str:
    parts = []
    for meta in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{sym} {value}")
        pattern = getattr(meta, "pattern", None)
        if pattern:
            parts.append(f"matches `{pattern}`")
    return ", ".join(parts)


def iter_keys(model: type[BaseModel] = ExperimentConfig, prefix: str = "") -> Iterator[tuple[str, str, str, str]]:
    """Yield ``(key path, type, default, description)`` for every leaf key."""
    for name, field in model.model_fields.items():
        ann = field.annotation
        path = f"{prefix}{name}"
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from iter_keys(ann, f"{path}.")
            continue
        desc = (field.description or "").strip()
        limits = _constraints(field)
        if limits:
            desc = f"{desc} ({limits})" if desc else limits
        yield path, _type_name(ann), _default(field), desc


def config_reference() -> str:
    """The Markdown reference of every config key, grouped by section."""
    lines = [_HEADER.rstrip("\n"), ""]
    section = None
    for path, kind, default, desc in iter_keys():
        top = path.split(".")[0] if "." in path else "(top level)"
        if top != section:
            section = top
            model_field = ExperimentConfig.model_fields.get(top)
            doc = ""
            if model_field is not None and isinstance(model_field.annotation, type) and issubclass(model_field.annotation, BaseModel):
                doc = (model_field.annotation.__doc__ or "").strip().splitlines()[0]
            lines += [f"## {top}", ""] + ([doc, ""] if doc else []) + [
                "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
        lines.append(f"| `{path}` | {kind} | {default} | {desc.replace('|', chr(92) + '|')} |")
    out: list[str] = []
    for line in lines:
        if line.startswith("## ") and out and out[-1] != "":
            out.append("")
        out.append(line)
    return "\n".join(out).rstrip() + "\n"
