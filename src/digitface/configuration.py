"""The workflow's configuration before any job runs: typed ``--config`` overrides, the run's
name, and checks that refuse a setting the schema cannot judge alone (a missing data file, a
split larger than the data), naming the key and the path.

Why here and not in the Snakefile: these are decisions, and decisions are tested Python. The
Snakefile calls :func:`coerce_to_schema` before Snakemake's ``validate`` and
:func:`check_config` after it. Nothing here imports torch: planning must stay fast.
"""

from __future__ import annotations

import gzip
import math
import re
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from digitface.digits.sources import IDX_FILES, idx_file

DEFAULT_RUN = "sample"
RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MAX_RUN_NAME = 100  # a folder name; file systems take 255 bytes
#: Images in the official MNIST files (their MD5s are pinned, so a download has exactly these).
MNIST_COUNTS = {"train": 60_000, "test": 10_000}
#: Test images carved out of the bundled sample when the setting is left empty.
SAMPLE_TEST_SIZE = 2000


class ConfigError(ValueError):
    """A setting the workflow cannot honour; the message names each key and path at fault."""


# ------------------------------------------------------------------------------ typed overrides

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


# ----------------------------------------------------------------------------------- run name


def run_name(config: Mapping, configfiles: Sequence[str | Path] = ()) -> str:
    """The name of the run's folder (``results/<run>/``).

    ``run`` when set; else the name of the last ``--configfile`` without its suffix (so a
    config file that forgets ``run`` never writes into another run's folder); else
    ``sample``, the bundled default data.
    """
    name = config.get("run") or (Path(configfiles[-1]).stem if configfiles else DEFAULT_RUN)
    if not RUN_NAME.fullmatch(str(name)):
        raise ConfigError(f"run: {name!r} is not a folder name (letters, digits, '_', '.', '-')")
    if len(str(name)) > MAX_RUN_NAME:
        raise ConfigError(
            f"run: {str(name)[:40]}... has {len(str(name))} characters; a run's folder name "
            f"takes at most {MAX_RUN_NAME} (set `run:` in the config file)"
        )
    return str(name)


# --------------------------------------------------------------------------- checks on the data


def _file_problem(key: str, path: str) -> str | None:
    """Why ``path`` (setting ``key``) cannot be read as a data file, or None."""
    if not path:
        return f"{key} is empty"
    p = Path(path)
    try:
        if not p.exists():
            return f"{key}: {path} does not exist"
        if not p.is_file():
            return f"{key}: {path} is not a file"
        if p.stat().st_size == 0:
            return f"{key}: {path} is empty"
    except OSError as exc:  # a name over 255 bytes, a path over 4096, a folder we may not read
        shown = path if len(path) <= 120 else f"{path[:60]}...{path[-40:]} ({len(path)} characters)"
        return f"{key}: {shown} cannot be used: {exc.strerror}"
    return None


def _idx_count(path: Path) -> int:
    """The first dimension of an IDX file, read from its header only."""
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    with opener(path, "rb") as fh:
        head = fh.read(8)
    if len(head) < 8 or head[:2] != b"\x00\x00":
        raise ValueError(f"{path}: not an IDX file")
    return struct.unpack(">I", head[4:8])[0]


def _mat_counts(path: Path) -> dict[str, int]:
    """Images per part of an ``mnist_all.mat``, from its variable table (no pixels read)."""
    from scipy.io import whosmat

    try:
        shapes = {name: shape for name, shape, _ in whosmat(str(path))}
    except Exception as exc:  # scipy raises several types for a file that is not a MAT file
        raise ValueError(f"{path} is not a MAT file ({type(exc).__name__}: {exc})") from None
    counts = {}
    for part in ("train", "test"):
        keys = [f"{part}{d}" for d in range(10)]
        missing = [k for k in keys if k not in shapes]
        if missing:
            raise ValueError(f"{path} lacks the variables {missing} of mnist_all.mat")
        bad = [k for k in keys if len(shapes[k]) != 2 or shapes[k][1] != 784]
        if bad:
            raise ValueError(f"{path}: {bad[0]} is {shapes[bad[0]]}, not N x 784 (28x28 digits)")
        counts[part] = sum(shapes[k][0] for k in keys)
    return counts


def _sample_count(path: Path) -> int:
    import numpy as np

    with np.load(path, allow_pickle=False) as npz:
        return len(npz["labels"])


def digits_source_problems(digits: Mapping) -> tuple[list[str], dict[str, int] | None]:
    """Problems with the configured MNIST source, and its image counts when readable.

    Counts come from headers and variable tables, never from the pixels, so this is cheap
    enough to run every time the workflow is planned.
    """
    source = digits["source"]
    counts = None
    try:
        if source == "sample":
            problem = _file_problem("digits.sample", digits["sample"])
            if problem:
                return [problem], None
            counts = {"train": _sample_count(Path(digits["sample"]))}
        elif source == "mat":
            problem = _file_problem("digits.mat", digits["mat"])
            if problem:
                return [problem + " (digits.source is 'mat')"], None
            counts = _mat_counts(Path(digits["mat"]))
        elif source == "idx_dir":
            folder = digits["idx_dir"]
            if not folder:
                return ["digits.idx_dir is empty (digits.source is 'idx_dir')"], None
            if not Path(folder).is_dir():
                return [f"digits.idx_dir: {folder} is not a folder"], None
            missing = [s for s in IDX_FILES.values() if not idx_file(folder, s).is_file()]
            if missing:
                return [f"digits.idx_dir: {folder} lacks {', '.join(missing)} (.gz or not)"], None
            counts = {part: _idx_count(idx_file(folder, IDX_FILES[f"{part}_labels"])) for part in ("train", "test")}
        else:  # download: the pinned official files
            counts = dict(MNIST_COUNTS)
    except (OSError, ValueError, KeyError, EOFError) as exc:
        return [f"digits.{source}: {exc}"], None
    return [], counts


def split_problems(split: Mapping, counts: Mapping[str, int]) -> list[str]:
    """Whether the validation (and, without an official test set, test) images fit the data."""
    problems = []
    has_test = "test" in counts
    if has_test and split.get("test_size") is not None:
        problems.append(
            f"digits.split.test_size = {split['test_size']}, but this source has the official test "
            f"set ({counts['test']} images); leave test_size empty"
        )
    test = 0 if has_test else split.get("test_size") or SAMPLE_TEST_SIZE
    held_out = split["validation_size"] + test
    if held_out >= counts["train"]:
        what = f"digits.split.validation_size = {split['validation_size']}"
        if not has_test:
            what += f" + test_size = {test}"
        problems.append(f"{what} leaves no training images: the source has {counts['train']}")
    return problems


def faces_problems(config: Mapping) -> list[str]:
    """Missing lists, actors that collide as folder names, hidden-unit actors not configured."""
    from digitface.faces.data.lists import content_problem, slugify

    faces, models = config["faces"], config["face_models"]
    problems = []
    for i, src in enumerate(faces["lists"]):
        if "path" in src:
            key = f"faces.lists[{i}].path ({src['name']})"
            problem = _file_problem(key, src["path"])
            if problem is None:
                problem = content_problem(Path(src["path"]).read_bytes(), src["path"])
                problem = problem and f"{key}: {src['path']}: {problem}"
            if problem:
                problems.append(problem)
    names = [src["name"] for src in faces["lists"]]
    if len(set(names)) != len(names):
        problems.append(f"faces.lists: names repeat ({', '.join(names)}); each list needs its own")
    kinds = {bool(src.get("synthetic")) for src in faces["lists"]}
    if len(kinds) > 1:
        problems.append("faces.lists mixes synthetic and real lists: a run is one or the other")
    slugs: dict[str, str] = {}
    for name in faces["actors"]:
        try:
            slug = slugify(name)
        except ValueError as exc:
            problems.append(f"faces.actors: {exc}")
            continue
        if slug in slugs:
            problems.append(f"faces.actors: '{name}' and '{slugs[slug]}' share the folder name '{slug}'")
        slugs[slug] = name
    unknown = [a["actor"] for a in models["hidden_units"]["actors"] if a["actor"] not in faces["actors"]]
    if unknown:
        problems.append(f"face_models.hidden_units.actors: {unknown} not among faces.actors")
    alexnet = models["alexnet"]
    path = alexnet["imagenet"]["path"]
    if resolved_weights(config) == "imagenet" and path:
        problem = _file_problem("face_models.alexnet.imagenet.path", path)
        if problem:
            problems.append(problem)
    return problems


def synthetic_faces(config: Mapping) -> bool:
    """Whether the run's faces are the bundled synthetic sample (each list says so itself)."""
    return all(src.get("synthetic", False) for src in config["faces"]["lists"])


def resolved_weights(config: Mapping) -> str:
    """``imagenet`` or ``random``: ``auto`` means random weights on synthetic faces (nothing to
    transfer) and ImageNet weights on real photographs (the reference's setting)."""
    weights = config["face_models"]["alexnet"]["weights"]
    if weights == "auto":
        return "random" if synthetic_faces(config) else "imagenet"
    return weights


#: What an AlexNet extraction job's output depends on: not the feature MLP's schedule, not
#: where the weights were fetched from (the weights file itself is the job's input).
EXTRACTION_KEYS = ("layer", "seed", "preprocess", "chunk_size", "batch_size", "dtype")


def extraction_settings(config: Mapping) -> dict:
    alexnet = config["face_models"]["alexnet"]
    return {k: alexnet[k] for k in EXTRACTION_KEYS}


def feature_set(config: Mapping) -> str:
    """The name of a run's AlexNet feature set: layer, weights (random and their seed, or the
    ImageNet file's checksum), preprocessing, chunk size and storage, so that features made
    otherwise never share a folder."""
    alexnet = config["face_models"]["alexnet"]
    weights = (
        f"random{alexnet['seed']}"
        if resolved_weights(config) == "random"
        else f"imagenet-{alexnet['imagenet']['sha256'][:8]}"
    )
    half = "-f16" if alexnet["dtype"] == "float16" else ""
    return f"{alexnet['layer']}-{weights}-{alexnet['preprocess']}-c{alexnet['chunk_size']}{half}"


def check_config(config: Mapping) -> dict[str, int] | None:
    """Raise :class:`ConfigError` listing every problem of the configuration (every part, so
    that a named target of a part the run leaves out is checked too); return the MNIST image
    counts."""
    digits = config["digits"]
    problems, counts = digits_source_problems(digits)
    if counts:
        problems += split_problems(digits["split"], counts)
    if digits["snapshot"]:
        problem = _file_problem("digits.snapshot", digits["snapshot"])
        if problem:
            problems.append(problem)
    problems += faces_problems(config)
    if problems:
        raise ConfigError("the configuration cannot run:\n  " + "\n  ".join(problems))
    return counts
