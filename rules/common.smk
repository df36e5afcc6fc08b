# Configuration (typed, validated, checked before any job), the run's folders, wildcard
# constraints and input functions shared by every stage.
import re
import sys
from difflib import get_close_matches
from pathlib import Path

import yaml

from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config, validate

from digitface import provenance
from digitface.capacity import disk_problem, memory_problem, physical_memory_mb
from digitface.config import ConfigError
from digitface.config.checks import check_config
from digitface.config.derived import (
    descriptor_set,
    extraction_settings,
    feature_set,
    resolved_weights,
    synthetic_faces,
)
from digitface.config.overrides import coerce_to_schema, config_sources, invalid_setting
from digitface.config.run_name import run_name
from digitface.digits.sources import IDX_FILES, source_files
from digitface.faces.data.batches import actor_batches
from digitface.faces.models.chunks import as_params, extraction_jobs
from digitface.faces.data.lists import slugify
from digitface.report.request import built, report_only
from digitface.report.pages import TABLES, summary_fragment


with open(workflow.source_path("../schemas/config.schema.yaml")) as _fh:
    _SCHEMA = yaml.safe_load(_fh)
# Nested --config values arrive as strings ("0.8"): read those, and only those, with the
# schema's types. A config file's YAML types its own values: a quoted '100' there is refused.
update_config(config, coerce_to_schema(dict(workflow.config_settings.config), _SCHEMA))
try:
    validate(config, schema="../schemas/config.schema.yaml", set_default=True)
except WorkflowError as _err:
    # Snakemake raised it while handling the schema's own error: say that one in words.
    raise ConfigError(
        invalid_setting(
            _err.__context__,
            config_sources(
                workflow.overwrite_configfiles, workflow.config_settings.config
            ),
        )
    ) from None
config["run"] = run_name(config, workflow.overwrite_configfiles)
# Missing or empty data, split sizes larger than the data, ...: refused before any job.
check_config(config)

RUN = config["run"]
# Every output, log and benchmark of this run (the pathvars <results>, <logs>, <benchmarks>).
RESULTS = f"results/{RUN}"
# Downloads pinned by checksum (MNIST files, AlexNet weights): identical for every run, shared.
RESOURCES = "results/resources"
EXPERIMENTS = config["experiments"]
DIGITS = config["digits"]
# The reference code's own schedule (max_iter per optimizer), run when enabled.
REFERENCE_ITERATIONS = DIGITS["train"]["reference_protocol"]["iterations"]
FACES = config["faces"]
ACTOR_NAMES = {slugify(name): name for name in FACES["actors"]}
FACE_LISTS = {src["name"]: src for src in FACES["lists"]}
FACES_SYNTHETIC = synthetic_faces(config)
CROP_SIZES = FACES["crop"]["sizes"]

MODELS = config["face_models"]
SEEDS = MODELS["seeds"]
ALEXNET = MODELS["alexnet"]
WEIGHTS = resolved_weights(config)
# The report and every table read the weights actually used, never "auto".
ALEXNET["weights"] = WEIGHTS
IMAGENET = ALEXNET["imagenet"]
# The feature set's name (a folder: changing what the features depend on makes new chunk
# jobs, and only those) and the settings an extraction job depends on.
FEATURES = feature_set(config)
EXTRACTION = extraction_settings(config)
# The face descriptor's feature set (dlib's ResNet) and its two classifiers, when enabled.
DESCRIPTOR = MODELS["descriptor"]
DESCRIPTORS = descriptor_set(config)
DESCRIPTOR_CLASSIFIERS = ["mlp", "linear"]
# Each feature family's chunking (its folder under <results>/faces/ is the family's name).
CHUNKING = {"alexnet": ALEXNET, "descriptor": DESCRIPTOR}
HIDDEN_UNIT_IMAGES = {
    slugify(item["actor"]): item["image_id"]
    for item in MODELS["hidden_units"]["actors"]
}
GPU = bool(config.get("gpu", False))
ACTORS = sorted(ACTOR_NAMES)
# {batch: actor slugs}: one download, one crop job and one crop array per batch.
BATCHES = actor_batches(ACTORS, FACES["actors_per_job"])
OPTIMIZERS = ["gd", "momentum"]
#: (targets, report path) when the command only makes a report, else None.
REPORT = report_only(sys.argv)
#: The targets a user types (rules without outputs of their own).
TARGET_RULES = ["all", "digits", "faces_data", "faces", "backprop"]


# The report opens on the run's summary table (report/workflow.rst reads it from here).
config["report"] = {"summary": summary_fragment(f"{RESULTS}/metrics.tsv")}


wildcard_constraints:
    optimizer="|".join(OPTIMIZERS),
    stem="|".join(IDX_FILES.values()),
    actor="[a-z0-9_-]+",
    batch="[a-z0-9_.-]+",
    list_name="[A-Za-z0-9_-]+",
    size="[0-9]+",
    seed="[0-9]+",
    part="[0-9]+",
    features="[A-Za-z0-9_.-]+",
    model="mlp|alexnet/[A-Za-z0-9_.-]+/mlp|descriptor/[A-Za-z0-9_.-]+/(?:mlp|linear)",
    sha256="[0-9a-f]{64}",
    table="|".join(re.escape(name) for name in TABLES),


def get_mnist_source(wildcards):
    """Named inputs of prepare_mnist: the configured source's files (checked to exist)."""
    return source_files(DIGITS, f"{RESOURCES}/mnist")


def get_digits_targets():
    targets = [
        "<results>/digits/figures/gallery.png",
        "<results>/digits/gradcheck.html",
        "<results>/digits/metrics.html",
    ]
    for opt in OPTIMIZERS:
        targets += [
            f"<results>/digits/figures/curves_{opt}.png",
            f"<results>/digits/figures/weights_{opt}.png",
        ]
    return targets


def get_optional_digits_metrics(wildcards):
    """The snapshot evaluation joins the summary when a snapshot path is configured, the
    reference-protocol runs when they are enabled."""
    metrics = {}
    if DIGITS["snapshot"]:
        metrics["snapshot"] = "<results>/digits/snapshot/metrics.json"
    if DIGITS["train"]["reference_protocol"]["enabled"]:
        for opt in OPTIMIZERS:
            metrics[f"fixed_{opt}"] = f"<results>/digits/{opt}/reference_protocol.json"
    return metrics


def get_face_lists():
    """Every configured list: its local path, or where fetch_face_list puts the download."""
    return [
        src["path"] if "path" in src else f"<results>/faces/lists/{name}.txt"
        for name, src in FACE_LISTS.items()
    ]


def get_batch_rows(wildcards):
    """The batch's actors' own rows, once the lists have been read (checkpoint
    index_face_lists)."""
    checkpoints.index_face_lists.get()
    return expand(
        "<results>/faces/lists/actors/{actor}.tsv", actor=BATCHES[wildcards.batch]
    )


def actor_stores(batch):
    """Each of the batch's actors' own store of verified bodies (kept when batches change)."""
    return [f"{RESULTS}/faces/store/{actor}" for actor in BATCHES[batch]]


def get_faces_data_targets():
    return ["<results>/faces/summary.html"] + expand(
        "<results>/faces/arrays/{batch}_{size}.npy", batch=BATCHES, size=CROP_SIZES
    )


def get_alexnet_weights(wildcards):
    """The ImageNet weights file when the run uses them (none for random weights)."""
    if WEIGHTS == "imagenet":
        return {"weights": f"<resources>/alexnet/{IMAGENET['sha256']}.pth"}
    return {}


def feature_jobs(family):
    """The chunks of every extraction job of a feature family ("alexnet", "descriptor"), read
    from the face index once the split checkpoint has run (digitface.faces.models.chunks;
    memoised per version of the index)."""
    index = checkpoints.split_faces.get().output.index
    chunking = CHUNKING[family]
    return extraction_jobs(index, chunking["chunk_size"], chunking["chunks_per_job"])


def feature_parts(family, suffix=".tsv"):
    """Input function: every extraction job's manifest (or, with suffix ".problems.tsv", its
    table of crops without features); how many jobs there are depends on the crops."""

    def parts(wildcards):
        return [
            f"<results>/faces/{family}/{wildcards.features}/parts/part_{p:03d}{suffix}"
            for p in range(len(feature_jobs(family)))
        ]

    return parts


def _job(family, wildcards):
    jobs = feature_jobs(family)
    part = int(wildcards.part)
    if part >= len(jobs):
        raise ValueError(f"no extraction job {part}: the crops make {len(jobs)}")
    return jobs[part]


def part_chunks(family):
    """Param function: the job's chunks (a changed grouping reruns it; cached chunks are kept)."""
    return lambda wildcards: as_params(_job(family, wildcards))


def part_crop_arrays(family, what):
    """Input or param function: the 227 crop arrays the job's chunks read, as batch names or
    as their files."""

    def arrays(wildcards):
        names = list(dict.fromkeys(c.array for c in _job(family, wildcards)))
        if what == "names":
            return names
        return [f"<results>/faces/arrays/{name}_227.npy" for name in names]

    return arrays


def feature_cache(family):
    """Param function: the feature set's cache of chunk files."""
    return lambda wildcards: f"{RESULTS}/faces/{family}/{wildcards.features}/chunks"


def get_descriptor_summaries(wildcards):
    """The face-descriptor classifiers' summaries, when the run computes the descriptors."""
    if not DESCRIPTOR["enabled"]:
        return {}
    return {
        f"descriptor_{name}": f"<results>/faces/descriptor/{DESCRIPTORS}/{name}/summary.json"
        for name in DESCRIPTOR_CLASSIFIERS
    }


def get_faces_models_targets():
    """The faces models' outputs, and the ImageNet weights when the run uses them: a target of
    its own, so that the pinned file is obtained (or refused) at the start of the run, not
    after the split checkpoint, hours in, when the first extraction job needs it."""
    return (
        [
            "<results>/faces/metrics.html",
            "<results>/faces/mlp/curves.png",
            f"<results>/faces/alexnet/{FEATURES}/mlp/curves.png",
        ]
        + expand(
            "<results>/faces/descriptor/{features}/{classifier}/curves.png",
            features=DESCRIPTORS,
            classifier=DESCRIPTOR_CLASSIFIERS if DESCRIPTOR["enabled"] else [],
        )
        + expand(
            "<results>/faces/figures/hidden_units_{actor}.png",
            actor=sorted(HIDDEN_UNIT_IMAGES),
        )
        + list(get_alexnet_weights(None).values())
    )


def get_backprop_targets():
    return ["<results>/backprop/backprop_cost.png", "<results>/backprop/fits.html"]


def get_summary_tables(wildcards):
    """The tables the run's summary combines: those of its experiments, and only those."""
    tables = {}
    if "digits" in EXPERIMENTS:
        tables["digits"] = "<results>/digits/metrics.tsv"
    if "faces" in EXPERIMENTS:
        tables["faces"] = "<results>/faces/metrics.tsv"
    return tables


def get_all_targets():
    """Every output of the run's experiments; for a report alone (`snakemake --report`), the
    ones the run has built (digitface.report.request), so a report follows any target.
    """
    targets = {
        "digits": get_digits_targets(),
        "faces": get_faces_data_targets() + get_faces_models_targets(),
        "backprop": get_backprop_targets(),
    }
    chosen = [t for part in EXPERIMENTS for t in targets[part]]
    if "digits" in EXPERIMENTS or "faces" in EXPERIMENTS:
        chosen.append("<results>/metrics.html")
    if REPORT is not None and not REPORT[0]:
        return built(
            chosen,
            {"results": RESULTS, "resources": RESOURCES},
            workflow.overwrite_configfiles,
            REPORT[1],
        )
    return chosen


# The report's menu: one short label per result (long or many labels widen it over the text).
def model_label(wildcards):
    family, *rest = wildcards.model.split("/")
    names = {"mlp": "MLP on crops", "alexnet": "MLP on AlexNet features"}
    kind = "linear" if rest and rest[-1] == "linear" else "MLP"
    names["descriptor"] = f"{kind} on descriptors"
    return {"result": f"learning curves, {names[family]}"}


def optimizer_label(what):
    names = {"gd": "gradient descent", "momentum": "momentum"}
    return lambda wildcards: {"result": f"{what}, {names[wildcards.optimizer]}"}


def unknown_target(wildcards):
    """A bare word that is no rule's name: say which targets exist, and the closest one."""
    close = get_close_matches(wildcards.target, TARGET_RULES, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise ValueError(
        f"'{wildcards.target}' is not a target of this workflow.{hint} Targets: "
        f"{', '.join(TARGET_RULES)} (snakemake --list-rules says what each does), or any "
        f"file under {RESULTS}/ that a rule makes."
    )


def check_before_first_job():
    """Refuse, before any job, a run that may not fit: a job that declares more memory (its
    rule's resources: mem_mb) than a local run may use (--resources mem_mb if given, else the
    machine's; cluster jobs get what they declare), or faces that may not fit on the disk.
    Called by onstart: only when jobs are about to run (not for a dry run, --dag, a report or
    an up-to-date run), in the run's own process (a job's process would see the run's own
    outputs as a loss of free space).
    """
    problems = [
        run_memory_problem() if workflow.local_exec else None,
        disk_problem(config, RESULTS),
    ]
    problems = [p for p in problems if p]
    if problems:
        raise ConfigError("\n".join(problems))


def run_memory_problem():
    """Why a job of this local run may not fit in the memory the run may use (None if all fit)."""
    needs = {}
    for each in workflow.rules:
        part = Path(each.snakefile).stem.split("_")[0]  # digits_data.smk: digits
        mb = _resource(each.resources.get("mem_mb"))
        in_run = part in EXPERIMENTS or part not in ("digits", "faces", "backprop")
        if in_run and isinstance(mb, int):
            needs[each.name] = mb
    given = _resource(workflow.resource_settings.resources.get("mem_mb"))
    if isinstance(given, int):
        return memory_problem(needs, given, "--resources mem_mb gives")
    return memory_problem(needs, physical_memory_mb(), "this machine has")


def _resource(value):
    """A rule's resource as a plain value (Snakemake 9 wraps them)."""
    return getattr(value, "value", value)
