# Face classifiers: a deduplicated split (a checkpoint: how many AlexNet chunks there are
# depends on how many faces of each actor survived), an MLP on 64x64 crops per seed,
# hidden-unit pictures, AlexNet features in jobs of a few chunks, an MLP on the features per
# seed, summaries.
#
# Priorities order the jobs the split makes ready: the features first (they take every core),
# then the feature MLP's seeds, the longest jobs, then the pixel MLP's, which fill the cores
# beside the last of them. Otherwise the last feature-MLP seed may run alone on one core
# while the others idle (seeds train on one thread each).


checkpoint split_faces:
    """Index every cropped face and split each actor's (deduplicated) faces into sets."""
    input:
        manifests=expand(rules.crop_batch.output.manifest, batch=BATCHES),
        crops=expand("<results>/faces/arrays/{batch}_64.npy", batch=BATCHES),
    output:
        index="<results>/faces/split.tsv",
    params:
        split=MODELS["split"],
        batches=list(BATCHES),
        actors=ACTORS,
    log:
        "<logs>/split_faces/split_faces.log",
    benchmark:
        "<benchmarks>/split_faces/split_faces.tsv"
    resources:
        mem_mb=4000,
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/split_faces.py"


rule train_face_mlp:
    """One seed of the MLP (600 ReLU, Adam) on 64x64 crops; epoch kept on validation."""
    input:
        index=rules.split_faces.output.index,
        crops=expand("<results>/faces/arrays/{batch}_64.npy", batch=BATCHES),
    output:
        history="<results>/faces/mlp/seed_{seed}/history.tsv",
        metrics="<results>/faces/mlp/seed_{seed}/metrics.json",
        model="<results>/faces/mlp/seed_{seed}/model.pt",
    params:
        settings=MODELS["mlp"],
        batches=list(BATCHES),
    log:
        "<logs>/train_face_mlp/seed_{seed}.log",
    benchmark:
        "<benchmarks>/train_face_mlp/seed_{seed}.tsv"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,
        gpu=1 if GPU else 0,
    priority: 1
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/train_face_mlp.py"


rule plot_hidden_units:
    """The hidden units that push one actor's configured image towards that actor."""
    input:
        index=rules.split_faces.output.index,
        crops=expand("<results>/faces/arrays/{batch}_64.npy", batch=BATCHES),
        model=f"<results>/faces/mlp/seed_{SEEDS[0]}/model.pt",
    output:
        png=report(
            "<results>/faces/figures/hidden_units_{actor}.png",
            caption="../report/hidden_units.rst",
            category="Faces models",
            labels=lambda wildcards: {
                "result": f"hidden units, {ACTOR_NAMES[wildcards.actor]}"
            },
        ),
        stats="<results>/faces/figures/hidden_units_{actor}.json",
    params:
        batches=list(BATCHES),
        image_id=lambda wildcards: HIDDEN_UNIT_IMAGES[wildcards.actor],
        top=MODELS["hidden_units"]["top"],
        name=lambda wildcards: ACTOR_NAMES[wildcards.actor],
        seed=SEEDS[0],
        data=f"{provenance.faces_data(config)}; MLP seed {SEEDS[0]}",
    log:
        "<logs>/plot_hidden_units/{actor}.log",
    benchmark:
        "<benchmarks>/plot_hidden_units/{actor}.tsv"
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/plot_hidden_units.py"


rule fetch_alexnet_weights:
    """torchvision's ImageNet AlexNet weights, pinned by SHA-256: a local copy, torch hub's
    cache or the configured URLs; resumable; shared by every run."""
    output:
        weights=ensure("<resources>/alexnet/{sha256}.pth", sha256=IMAGENET["sha256"]),
    params:
        settings=IMAGENET,
    log:
        "<logs>/fetch_alexnet_weights/{sha256}.log",
    localrule: True
    priority: 50
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/fetch_alexnet_weights.py"


# A job computes chunks_per_job consecutive chunks (runs of chunk_size rows of a batch's crop
# array, across batches), each chunk a file of its own in the feature set's cache, named by its
# crops' digest: a job that reruns computes only the chunks whose crops changed. Its output is
# the manifest naming its chunks' files.
rule extract_alexnet_chunks:
    """AlexNet activations of a few consecutive chunks of crops, each chunk its own cached file."""
    input:
        unpack(get_alexnet_weights),
        index=rules.split_faces.output.index,
        crops=part_crop_arrays("alexnet", "paths"),
    output:
        part="<results>/faces/alexnet/{features}/parts/part_{part}.tsv",
    params:
        chunks=part_chunks("alexnet"),
        arrays=part_crop_arrays("alexnet", "names"),
        cache=feature_cache("alexnet"),
        alexnet=EXTRACTION,
        weights=WEIGHTS,
    log:
        "<logs>/extract_alexnet_chunks/{features}/part_{part}.log",
    benchmark:
        "<benchmarks>/extract_alexnet_chunks/{features}/part_{part}.tsv"
    threads: 2
    resources:
        mem_mb=3000,
        runtime=60,
        gpu=1 if GPU else 0,
    priority: 3
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/extract_alexnet_chunks.py"


rule train_alexnet_mlp:
    """One seed of the MLP on the AlexNet features of every used face; epoch kept on validation."""
    input:
        index=rules.split_faces.output.index,
        parts=feature_parts("alexnet"),
    output:
        history="<results>/faces/alexnet/{features}/mlp/seed_{seed}/history.tsv",
        metrics="<results>/faces/alexnet/{features}/mlp/seed_{seed}/metrics.json",
        model="<results>/faces/alexnet/{features}/mlp/seed_{seed}/model.pt",
    params:
        settings=ALEXNET["mlp"],
        cache=feature_cache("alexnet"),
    log:
        "<logs>/train_alexnet_mlp/{features}/seed_{seed}.log",
    benchmark:
        "<benchmarks>/train_alexnet_mlp/{features}/seed_{seed}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=1 if GPU else 0,
    priority: 2
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/train_alexnet_mlp.py"


# The face descriptor (dlib's ResNet, 128 numbers per face) in the same cached chunks as the
# AlexNet features, on one core each (dlib computes on one thread).
rule extract_descriptor_chunks:
    """dlib's face descriptor of a few consecutive chunks of crops, each chunk its own cached file."""
    input:
        index=rules.split_faces.output.index,
        crops=part_crop_arrays("descriptor", "paths"),
    output:
        part="<results>/faces/descriptor/{features}/parts/part_{part}.tsv",
        problems="<results>/faces/descriptor/{features}/parts/part_{part}.problems.tsv",
    params:
        chunks=part_chunks("descriptor"),
        arrays=part_crop_arrays("descriptor", "names"),
        cache=feature_cache("descriptor"),
    log:
        "<logs>/extract_descriptor_chunks/{features}/part_{part}.log",
    benchmark:
        "<benchmarks>/extract_descriptor_chunks/{features}/part_{part}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    priority: 3
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/extract_descriptor_chunks.py"


# Every seed of both classifiers in one job: on 128 numbers per face a run takes seconds, less
# than a job's start-up (Python and torch).
rule train_descriptor_classifiers:
    """Every seed of the MLP and of a linear softmax on the face descriptors; epochs kept on validation."""
    input:
        index=rules.split_faces.output.index,
        parts=feature_parts("descriptor"),
        problems=feature_parts("descriptor", ".problems.tsv"),
    output:
        histories=expand(
            "<results>/faces/descriptor/{{features}}/{classifier}/seed_{seed}/history.tsv",
            classifier=DESCRIPTOR_CLASSIFIERS,
            seed=SEEDS,
        ),
        metrics=expand(
            "<results>/faces/descriptor/{{features}}/{classifier}/seed_{seed}/metrics.json",
            classifier=DESCRIPTOR_CLASSIFIERS,
            seed=SEEDS,
        ),
        models=expand(
            "<results>/faces/descriptor/{{features}}/{classifier}/seed_{seed}/model.pt",
            classifier=DESCRIPTOR_CLASSIFIERS,
            seed=SEEDS,
        ),
    params:
        settings={name: DESCRIPTOR[name] for name in DESCRIPTOR_CLASSIFIERS},
        seeds=SEEDS,
        cache=feature_cache("descriptor"),
    log:
        "<logs>/train_descriptor_classifiers/{features}.log",
    benchmark:
        "<benchmarks>/train_descriptor_classifiers/{features}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
        gpu=1 if GPU else 0,
    priority: 2
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/train_descriptor_classifiers.py"


rule summarize_face_runs:
    """Mean ± sd over seeds of one classifier, and its learning curves."""
    input:
        metrics=expand("<results>/faces/{{model}}/seed_{seed}/metrics.json", seed=SEEDS),
        histories=expand(
            "<results>/faces/{{model}}/seed_{seed}/history.tsv", seed=SEEDS
        ),
    output:
        summary="<results>/faces/{model}/summary.json",
        png=report(
            "<results>/faces/{model}/curves.png",
            caption="../report/faces_curves.rst",
            category="Faces models",
            labels=model_label,
        ),
    params:
        title=lambda wildcards: provenance.model_title(config, wildcards.model),
    log:
        "<logs>/summarize_face_runs/{model}.log",
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/summarize_face_runs.py"


rule summarize_faces:
    """The face classifiers' accuracies beside the reference's, with data and weights named."""
    input:
        unpack(get_descriptor_summaries),
        mlp="<results>/faces/mlp/summary.json",
        alexnet=f"<results>/faces/alexnet/{FEATURES}/mlp/summary.json",
        index=rules.split_faces.output.index,
        data=rules.summarize_faces_data.output.summary,
    output:
        table="<results>/faces/metrics.tsv",
    params:
        data=provenance.faces_data(config),
        weights=provenance.weights(config),
        alexnet=ALEXNET,
        actors=ACTORS,
        not_comparable=provenance.faces_not_comparable(config),
        descriptor=provenance.descriptor(config),
    log:
        "<logs>/summarize_faces/summarize_faces.log",
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/summarize_faces.py"
