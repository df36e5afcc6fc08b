"""The configuration as the user wrote it: ``--config`` values typed by the schema, and a
setting the schema refuses put in words, with where it was set.

Why apart from the checks: this is about reading and naming settings (YAML types, which file
or ``--config`` set a key), before the schema has validated them; the checks judge validated
settings against the data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

_SCALAR_TYPES = {
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}


def _types(schema: Mapping) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _parse_scalar(text: str, kinds: list[str]) -> Any:
    """``text`` as the first scalar type of ``kinds`` it reads as (YAML rules, plus Python's
    float syntax, which YAML 1.1 lacks for "2e-4"), else itself."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str) and "number" in kinds:
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    for kind in kinds:
        allowed = _SCALAR_TYPES.get(kind)
        if allowed is None:
            continue
        if kind != "boolean" and isinstance(value, bool):
            continue  # YAML reads "yes" as True: never a number
        if isinstance(value, allowed):
            return float(value) if kind == "number" and not isinstance(value, bool) else value
    return text


def coerce_to_schema(value: Any, schema: Mapping) -> Any:
    """``value`` with strings converted to the types ``schema`` asks for.

    Snakemake reads nested ``--config`` values with YAML's BaseLoader, so
    ``--config digits='{train: {momentum: {gamma: 0.8}}}'`` arrives as the string ``'0.8'``.
    Walking the schema, a string where it wants a number, integer, boolean or null is read as
    YAML; a string that does not read as that type stays a string, so validation still
    refuses it with the key named. Objects and arrays are walked through ``properties`` and
    ``items``; everything else is returned as it is.
    """
    kinds = _types(schema)
    if isinstance(value, str) and "string" not in kinds:
        if "array" in kinds or "object" in kinds:
            parsed = _parse_collection(value)
            if parsed is not None:
                return coerce_to_schema(parsed, schema)
        return _parse_scalar(value, kinds)
    if isinstance(value, Mapping):
        props = schema.get("properties", {})
        return {k: coerce_to_schema(v, props[k]) if k in props else v for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [coerce_to_schema(v, schema["items"]) for v in value]
    return value


def where_set(key_path: Sequence, sources: Sequence[tuple[str, Mapping]]) -> str | None:
    """The name of the last of ``sources`` ((name, config) pairs in the order they are laid
    over each other) that sets ``key_path``: where a user must look to change it."""
    found = None
    for name, data in sources:
        node: Any = data
        for key in key_path:
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                node = node[key]
            else:
                break
        else:
            found = name
    return found


def config_sources(configfiles: Sequence[str | Path], overrides: Mapping) -> list[tuple[str, Mapping]]:
    """What the configuration is laid together from, in order: config.yaml, each
    ``--configfile``, the ``--config`` values (for :func:`where_set`)."""
    sources = []
    for path in ["config.yaml", *map(str, configfiles)]:
        try:
            sources.append((path, yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}))
        except (OSError, yaml.YAMLError):
            continue
    return sources + [("--config", dict(overrides))]


_TYPE_WORDS = {"integer": "an integer", "number": "a number", "boolean": "true or false"}


def invalid_setting(error, sources: Sequence[tuple[str, Mapping]]) -> str:
    """A schema violation (a ``jsonschema`` ValidationError) in words: the key, the value, where
    it was set and what to write instead. A quoted number in a config file is refused rather
    than guessed: YAML gives a file's values their types, and '100' there is text."""
    if not hasattr(error, "absolute_path"):  # not a schema violation: nothing to add to it
        return str(error)
    key_path = list(error.absolute_path)
    key = ".".join(str(k) for k in key_path) or "(the configuration)"
    where = where_set(key_path, sources)
    place = f" (set in {where})" if where else ""
    wanted = error.validator_value if error.validator == "type" else None
    wanted = [wanted] if isinstance(wanted, str) else wanted
    if isinstance(error.instance, str) and wanted:
        words = [_TYPE_WORDS[w] for w in wanted if w in _TYPE_WORDS]
        if words and not isinstance(_parse_scalar(error.instance, wanted), str):
            leaf = key_path[-1] if key_path else key
            return (
                f"{key}: {error.instance!r}{place} is text, where the setting takes {' or '.join(words)}: "
                f"write it without quotes ({leaf}: {error.instance})"
            )
        if words:
            return f"{key}: {error.instance!r}{place} is not {' or '.join(words)}"
    return f"{key}{place}: {error.message}"


def _parse_collection(text: str) -> list | dict | None:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return value if isinstance(value, (list, dict)) else None
