"""Config files: YAML read with limits, ``extends:`` merged, ``--set`` overrides applied.

What :mod:`toolkit.config` validates comes from here as plain mappings. YAML is measured
before it is built (:func:`parse_yaml`), so an alias bomb or an oversized file is one
:class:`~toolkit.errors.ConfigError` in milliseconds.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from toolkit.errors import ConfigError, ParameterError, short_repr
from toolkit.files import as_path

__all__ = ["MAX_CONFIG_BYTES", "MAX_YAML_NODES", "parse_yaml", "load_config_dict", "apply_overrides", "set_key",
           "NotASection"]

#: Largest config file read, and most YAML nodes it may expand to through aliases: a real
#: config is a few kilobytes; beyond these only an accident or an alias bomb remains.
MAX_CONFIG_BYTES = 1_000_000
MAX_YAML_NODES = 100_000

class _CountingLoader(yaml.SafeLoader):
    """YAML's safe loader; :func:`parse_yaml` checks the node graph before building values."""


def _expanded_size(node: yaml.Node, memo: dict[int, int], open_: set[int]) -> int:
    """Nodes ``node`` stands for once every alias is written out (a cycle counts as too many)."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in open_:
        return MAX_YAML_NODES + 1
    open_.add(key)
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            size += _expanded_size(child, memo, open_)
            if size > MAX_YAML_NODES:
                break
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            size += _expanded_size(k, memo, open_) + _expanded_size(v, memo, open_)
            if size > MAX_YAML_NODES:
                break
    open_.discard(key)
    memo[key] = size
    return size


def parse_yaml(text: str, where: str) -> Any:
    """``yaml.safe_load`` that refuses documents expanding to more than ``MAX_YAML_NODES`` nodes.

    Aliases (``*a``) share what they point to, so a few lines can stand for billions of values
    that copying or validating would then build; the node graph is measured before any value is.

    Raises
    ------
    ConfigError
        Naming ``where``: invalid YAML (with line and column), or too large once expanded.
    """
    loader = None
    try:
        loader = _CountingLoader(text)
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}, set()) > MAX_YAML_NODES:
            raise ConfigError(f"{where}: expands to more than {MAX_YAML_NODES:,} values through YAML "
                              f"aliases (*name); write the values out instead of repeating aliases")
        return None if node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{where}: not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {size:,} bytes; a config is at most {MAX_CONFIG_BYTES:,} bytes "
                              f"(is this the corpus rather than the config?)")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc.strerror or exc})") from None
    data = parse_yaml(text, str(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a YAML mapping of keys, got {type(data).__name__}")
    return data


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_config_dict(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a config file and everything it ``extends``, merged, not yet validated."""
    path = as_path(path, "path", "a config file")
    resolved = path.resolve()
    if resolved in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, resolved))
        raise ConfigError(f"{path}: 'extends' forms a cycle: {chain}")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: 'extends' must be a relative or absolute path, got {parent!r}")
    parent_path = (path.parent / parent) if not Path(parent).is_absolute() else Path(parent)
    if not parent_path.is_file():
        raise ConfigError(f"{path}: 'extends: {parent}' names a file that does not exist ({parent_path})")
    return _deep_merge(load_config_dict(parent_path, (*_seen, resolved)), data)


def apply_overrides(data: dict[str, Any], overrides: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Apply ``key.path=value`` overrides; values are parsed as YAML (``5``, ``true``, ``[a, b]``).

    Raises
    ------
    ParameterError
        ``overrides`` is one string or holds something else than strings.
    ConfigError
        An override is not ``key.path=value``, or goes through a value.
    """
    if isinstance(overrides, str):
        raise ParameterError("overrides", f"got one string; pass a list such as [{overrides!r}]")
    if not isinstance(overrides, (list, tuple)) or not all(isinstance(o, str) for o in overrides):
        raise ParameterError("overrides", f"expected a list of 'key.path=value' strings, got {short_repr(overrides)}")
    out = copy.deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set {item!r}: expected key.path=value, e.g. umap.n_neighbors=30")
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key or any(not part for part in key.split(".")):
            raise ConfigError(f"--set {item!r}: empty key path")
        try:
            value = parse_yaml(raw, f"--set {key}") if raw.strip() else ""
        except ConfigError as exc:
            if "expands to more than" in str(exc):
                raise
            value = raw
        try:
            set_key(out, key, value)
        except NotASection as exc:
            raise ConfigError(f"--set {item!r}: '{exc.part}' is a value, not a section") from None
    return out


class NotASection(ValueError):
    """A key path goes through a value (``corpus.path.x``); ``part`` is that value's key."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.part = part


def set_key(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``value`` at the dotted ``key`` of a nested config mapping, creating sections.

    Raises :class:`NotASection` (naming the part) when the path goes through a value.
    """
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            raise NotASection(part)
        node = child
    node[parts[-1]] = value
