# Configuration validation, wildcard constraints and input functions shared by every stage.
from pathlib import Path

from snakemake.utils import validate

from digitface.faces.lists import slugify


validate(config, schema="../schemas/config.schema.yaml", set_default=True)

DIGITS = config["digits"]
# The reference code's own schedule (max_iter per optimizer), run when enabled.
REFERENCE_ITERATIONS = DIGITS["train"]["reference_protocol"]["iterations"]
FACES = config["faces"]


def _actor_slugs(names):
    """Folder-safe slugs of the configured actors; two names may not share one."""
    slugs = {}
    for name in names:
        slug = slugify(name)
        if slug in slugs:
            raise ValueError(
                f"faces.actors: '{name}' and '{slugs[slug]}' share the slug '{slug}'"
            )
        slugs[slug] = name
    return slugs


ACTOR_NAMES = _actor_slugs(FACES["actors"])
FACE_LISTS = {src["name"]: src for src in FACES["lists"]}
# Synthetic when every list is the bundled synthetic sample: said in every table that uses it.
FACES_SYNTHETIC = all("synthetic" in src.get("path", "") for src in FACES["lists"])

MODELS = config["face_models"]
SEEDS = MODELS["seeds"]
ALEXNET = MODELS["alexnet"]
# Layer, weights, preprocessing and chunk size name the feature set: changing any of them
# makes new chunk jobs (and only those, and what depends on them).
FEATURES = "{layer}-{w}-{preprocess}-c{chunk_size}".format(
    w=(
        "random{}".format(ALEXNET["seed"])
        if ALEXNET["weights"] == "random"
        else "imagenet"
    ),
    **ALEXNET,
)
HIDDEN_UNIT_IMAGES = {
    slugify(item["actor"]): item["image_id"]
    for item in MODELS["hidden_units"]["actors"]
}
GPU = bool(config.get("gpu", False))
ACTORS = sorted(ACTOR_NAMES)
OPTIMIZERS = ["gd", "momentum"]
IDX_STEMS = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
]


wildcard_constraints:
    optimizer="|".join(OPTIMIZERS),
    stem="|".join(IDX_STEMS),
    actor="[a-z0-9_-]+",
    list_name="[A-Za-z0-9_-]+",
    size="[0-9]+",
    seed="[0-9]+",
    chunk="[0-9]+",
    features="[A-Za-z0-9_.-]+",
    run="results/faces/(mlp|alexnet/[A-Za-z0-9_.-]+/mlp)",


def _idx_file(folder, stem):
    """The .gz file if present, else the plain one (a missing folder fails at parse time)."""
    gz = Path(folder) / f"{stem}.gz"
    return str(gz) if gz.exists() else str(Path(folder) / stem)


def get_mnist_source(wildcards):
    """Named inputs of prepare_mnist for the configured source."""
    source = DIGITS["source"]
    if source == "sample":
        return {"sample": DIGITS["sample"]}
    if source == "mat":
        return {"mat": DIGITS["mat"]}
    if source == "idx_dir":
        if not DIGITS["idx_dir"]:
            raise ValueError("digits.source is 'idx_dir' but digits.idx_dir is empty")
        return {s: _idx_file(DIGITS["idx_dir"], s) for s in IDX_STEMS}
    return {s: f"results/digits/raw/{s}.gz" for s in IDX_STEMS}


def get_digits_targets():
    targets = [
        "results/digits/figures/gallery.png",
        "results/digits/gradcheck.tsv",
        "results/digits/metrics.tsv",
    ]
    for opt in OPTIMIZERS:
        targets += [
            f"results/digits/figures/curves_{opt}.png",
            f"results/digits/figures/weights_{opt}.png",
        ]
    return targets


def get_optional_digits_metrics(wildcards):
    """The snapshot evaluation joins the summary when a snapshot path is configured, the
    reference-protocol runs when they are enabled."""
    metrics = {}
    if DIGITS["snapshot"]:
        metrics["snapshot"] = "results/digits/snapshot/metrics.json"
    if DIGITS["train"]["reference_protocol"]["enabled"]:
        for opt in OPTIMIZERS:
            metrics[f"fixed_{opt}"] = f"results/digits/{opt}/reference_protocol.json"
    return metrics


def get_face_lists():
    """Every configured list: its local path, or where fetch_face_list puts the download."""
    return [
        src["path"] if "path" in src else f"results/faces/lists/{name}.txt"
        for name, src in FACE_LISTS.items()
    ]


def get_faces_data_targets():
    return ["results/faces/summary.tsv"]


def get_alexnet_chunks(wildcards):
    """One feature file per chunk of chunk_size rows of an actor's crop array (how many
    there are is known once the split checkpoint has indexed the crops)."""
    from digitface.faces.face_index import chunk_plan, read_index

    index = checkpoints.split_faces.get().output.index
    return [
        f"results/faces/alexnet/{wildcards.features}/{c.actor}/chunk_{c.part:03d}.npy"
        for c in chunk_plan(read_index(index), ALEXNET["chunk_size"])
    ]


def run_title(wildcards):
    if wildcards.run == "results/faces/mlp":
        return "MLP on 64x64 RGB crops"
    return f"MLP on AlexNet {ALEXNET['layer']} features ({ALEXNET['weights']} weights)"


def get_faces_models_targets():
    unknown = sorted(set(HIDDEN_UNIT_IMAGES) - set(ACTORS))
    if unknown:
        raise ValueError(f"face_models.hidden_units: {unknown} not among faces.actors")
    return ["results/faces/metrics.tsv", "results/faces/mlp/curves.png"] + expand(
        "results/faces/figures/hidden_units_{actor}.png",
        actor=sorted(HIDDEN_UNIT_IMAGES),
    )


def get_all_targets():
    return (
        get_digits_targets()
        + get_faces_data_targets()
        + get_faces_models_targets()
        + ["results/backprop/backprop_cost.png", "results/metrics.tsv"]
    )
