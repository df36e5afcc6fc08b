# Face classifiers: a deduplicated split (a checkpoint: how many AlexNet chunks there are
# depends on how many faces of each actor survived), an MLP on 64x64 crops per seed, hidden-unit pictures,
# AlexNet features in one job per chunk, an MLP on the features per seed, summaries.


checkpoint split_faces:
    input:
        manifests=expand(rules.crop_actor.output.manifest, actor=ACTORS),
        crops=expand("results/faces/arrays/{actor}_64.npy", actor=ACTORS),
    output:
        index="results/faces/split.tsv",
    params:
        split=MODELS["split"],
        actors=ACTORS,
    log:
        "logs/split_faces/split_faces.log",
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/split_faces.py"


rule train_face_mlp:
    input:
        index=rules.split_faces.output.index,
        crops=expand("results/faces/arrays/{actor}_64.npy", actor=ACTORS),
    output:
        history="results/faces/mlp/seed_{seed}/history.tsv",
        metrics="results/faces/mlp/seed_{seed}/metrics.json",
        model="results/faces/mlp/seed_{seed}/model.pt",
    params:
        settings=MODELS["mlp"],
    log:
        "logs/train_face_mlp/seed_{seed}.log",
    benchmark:
        "benchmarks/train_face_mlp/seed_{seed}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        gpu=1 if GPU else 0,
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/train_face_mlp.py"


rule plot_hidden_units:
    input:
        index=rules.split_faces.output.index,
        crops=expand("results/faces/arrays/{actor}_64.npy", actor=ACTORS),
        model=f"results/faces/mlp/seed_{SEEDS[0]}/model.pt",
    output:
        png=report(
            "results/faces/figures/hidden_units_{actor}.png",
            caption="../report/hidden_units.rst",
            category="Faces models",
            labels={"figure": "hidden units", "actor": "{actor}"},
        ),
    params:
        image_id=lambda wildcards: HIDDEN_UNIT_IMAGES[wildcards.actor],
        top=MODELS["hidden_units"]["top"],
        name=lambda wildcards: ACTOR_NAMES[wildcards.actor],
    log:
        "logs/plot_hidden_units/{actor}.log",
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/plot_hidden_units.py"


# A chunk is rows chunk*chunk_size onwards of one actor's crop array, its only input: it
# reruns when that actor's crops change, not when other actors' crops or the split change.
rule extract_alexnet_chunk:
    input:
        crops="results/faces/arrays/{actor}_227.npy",
    output:
        features="results/faces/alexnet/{features}/{actor}/chunk_{chunk}.npy",
    params:
        alexnet=ALEXNET,
    log:
        "logs/extract_alexnet_chunk/{features}/{actor}/chunk_{chunk}.log",
    benchmark:
        "benchmarks/extract_alexnet_chunk/{features}/{actor}/chunk_{chunk}.tsv"
    threads: 2
    resources:
        mem_mb=2000,
        gpu=1 if GPU else 0,
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/extract_alexnet_chunk.py"


rule train_alexnet_mlp:
    input:
        index=rules.split_faces.output.index,
        chunks=get_alexnet_chunks,
    output:
        history="results/faces/alexnet/{features}/mlp/seed_{seed}/history.tsv",
        metrics="results/faces/alexnet/{features}/mlp/seed_{seed}/metrics.json",
        model="results/faces/alexnet/{features}/mlp/seed_{seed}/model.pt",
    params:
        settings=ALEXNET["mlp"],
        chunk_size=ALEXNET["chunk_size"],
    log:
        "logs/train_alexnet_mlp/{features}/seed_{seed}.log",
    benchmark:
        "benchmarks/train_alexnet_mlp/{features}/seed_{seed}.tsv"
    threads: 1
    resources:
        mem_mb=3000,
        gpu=1 if GPU else 0,
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/train_face_mlp.py"


rule summarize_face_runs:
    input:
        metrics=expand("{{run}}/seed_{seed}/metrics.json", seed=SEEDS),
        histories=expand("{{run}}/seed_{seed}/history.tsv", seed=SEEDS),
    output:
        summary="{run}/summary.json",
        png=report(
            "{run}/curves.png",
            caption="../report/faces_curves.rst",
            category="Faces models",
            labels={"figure": "learning curves", "model": "{run}"},
        ),
    params:
        title=run_title,
    log:
        "logs/summarize_face_runs/{run}.log",
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/summarize_face_runs.py"


rule summarize_faces:
    input:
        mlp="results/faces/mlp/summary.json",
        alexnet=f"results/faces/alexnet/{FEATURES}/mlp/summary.json",
        index=rules.split_faces.output.index,
        data=rules.summarize_faces_data.output.summary,
    output:
        table=report(
            "results/faces/metrics.tsv",
            caption="../report/faces_metrics.rst",
            category="Faces models",
            labels={"table": "metrics vs reference"},
        ),
    params:
        synthetic=FACES_SYNTHETIC,
        alexnet=ALEXNET,
    log:
        "logs/summarize_faces/summarize_faces.log",
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/summarize_faces.py"
