"""Checks before any job: what the schema cannot judge alone (a missing or empty data file, a
split larger than the data, actors whose folder names collide), every problem at once, each
naming the key and the path at fault.

Why before any job: a run that would fail an hour in fails while it is planned instead. The
data is not read here: how many images a source has comes from the digits package
(:func:`digitface.digits.sources.source_counts`, headers only), so planning stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from digitface.config import ConfigError
from digitface.config.derived import resolved_weights
from digitface.digits.sources import IDX_FILES, SAMPLE_TEST_SIZE, idx_file, source_counts, source_files


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


def digits_source_problems(digits: Mapping) -> tuple[list[str], dict[str, int] | None]:
    """Problems with the configured MNIST source, and its image counts when readable.

    Counts come from headers and variable tables, never from the pixels, so this is cheap
    enough to run every time the workflow is planned.
    """
    source = digits["source"]
    try:
        if source == "sample":
            problem = _file_problem("digits.sample", digits["sample"])
            if problem:
                return [problem], None
        elif source == "mat":
            problem = _file_problem("digits.mat", digits["mat"])
            if problem:
                return [problem + " (digits.source is 'mat')"], None
        elif source == "idx_dir":
            folder = digits["idx_dir"]
            if not folder:
                return ["digits.idx_dir is empty (digits.source is 'idx_dir')"], None
            if not Path(folder).is_dir():
                return [f"digits.idx_dir: {folder} is not a folder"], None
            missing = [s for s in IDX_FILES.values() if not idx_file(folder, s).is_file()]
            if missing:
                return [f"digits.idx_dir: {folder} lacks {', '.join(missing)} (.gz or not)"], None
        # download: the pinned official files, counted without the download folder being read
        counts = source_counts(source, source_files(digits, download_dir=""))
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
    if models["descriptor"]["enabled"]:
        problems += _descriptor_problems()
    return problems


def _descriptor_problems() -> list[str]:
    """The face descriptor's network and model files are installed (their checksums are checked
    by the job that reads them)."""
    try:
        from digitface.faces.models import face_descriptor
    except ImportError as exc:
        return [
            f"face_models.descriptor.enabled: dlib cannot be imported ({exc}); "
            "install the project's pinned dlib-bin, or set it to false"
        ]
    try:
        folder = face_descriptor.models_dir()
    except face_descriptor.ModelFileError as exc:
        return [f"face_models.descriptor.enabled: {exc}"]
    missing = [name for name in face_descriptor.MODEL_FILES if not (folder / name).is_file()]
    if missing:
        return [
            f"face_models.descriptor.enabled: {', '.join(missing)} missing in {folder}; "
            f"pip install --force-reinstall {face_descriptor.PACKAGE_PIN}, or set it to false"
        ]
    return []


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
