# FaceScrub data: lists -> one download job per batch -> one crop job per batch -> summary.
# A batch is faces.actors_per_job consecutive actors (one by default: then its name is the
# actor's slug); many actors per job keeps a 530-identity run to few jobs.
# Verified bodies live in a content store (<results>/faces/store/<actor>/<sha256>.<ext>) and
# crops in <results>/faces/crops/<size>/: caches that jobs reuse, so a rerun after a kill or a
# partial failure (or a batch regrouped) fetches and decodes only what is missing. Neither is
# trusted blindly: the crop job checks every body's SHA-256 before use, and crops carry the
# digest of the body and the settings they were made with. The declared outputs are the
# per-batch manifests (every list row and its outcome) and the crop arrays built from them.


rule fetch_face_list:
    """Download a FaceScrub list given by URL and check it against its configured SHA-256."""
    output:
        txt="<results>/faces/lists/{list_name}.txt",
    params:
        url=lambda wildcards: FACE_LISTS[wildcards.list_name]["url"],
        sha256=lambda wildcards: FACE_LISTS[wildcards.list_name]["sha256"],
    log:
        "<logs>/fetch_face_list/{list_name}.log",
    localrule: True
    priority: 50
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/fetch_face_list.py"


# One job reads every list once and gives each actor its own rows: a download job reads only
# its actors' files. A checkpoint, so that after it ran Snakemake looks at each actor's file
# again: an actor whose rows did not change (same checksum) is not downloaded again; without
# the checkpoint every job after a job that ran would be planned to run too.
checkpoint index_face_lists:
    """Read the lists once: each actor's rows, and every line that cannot be used, with why."""
    input:
        lists=get_face_lists(),
    output:
        rejects="<results>/faces/lists/rejects.tsv",
        actors=expand("<results>/faces/lists/actors/{actor}.tsv", actor=ACTORS),
    params:
        actors=[ACTOR_NAMES[a] for a in ACTORS],
    log:
        "<logs>/index_face_lists/index_face_lists.log",
    benchmark:
        "<benchmarks>/index_face_lists/index_face_lists.tsv"
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/index_face_lists.py"


rule download_batch:
    """Fetch and verify one batch's images (concurrent, resumable, every row's outcome kept)."""
    input:
        rows=get_batch_rows,
    output:
        manifest="<results>/faces/download/{batch}.tsv",
    params:
        stores=lambda wildcards: actor_stores(wildcards.batch),
        journals=lambda wildcards: [
            f"{store}.journal.jsonl" for store in actor_stores(wildcards.batch)
        ],
        settings=FACES["download"],
    log:
        "<logs>/download_batch/{batch}.log",
    benchmark:
        "<benchmarks>/download_batch/{batch}.tsv"
    localrule: True
    # Waiting on the network, not computing: a download job takes no core from the jobs that
    # compute (crops of finished batches run meanwhile); how many download at once is the
    # `downloads` resource (profiles/default: 2, each with faces.download.workers requests).
    threads: 0
    resources:
        mem_mb=1000,
        downloads=1,
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/download_batch.py"


# A store body that is missing or fails its SHA-256 here stops the job, naming it and the
# repair: rerun with --forcerun <the batch's download manifest>. The store is the download
# job's (each run re-hashes the bodies its rows name and fetches the missing or damaged ones
# again); this job changes neither the store nor its input, so Snakemake's record of what is
# up to date stays true.
rule crop_batch:
    """Crop one batch's verified images at every configured size; the final manifest."""
    input:
        manifest=rules.download_batch.output.manifest,
    output:
        manifest="<results>/faces/manifests/{batch}.tsv",
        arrays=expand("<results>/faces/arrays/{{batch}}_{size}.npy", size=CROP_SIZES),
    params:
        names=lambda wildcards: [ACTOR_NAMES[a] for a in BATCHES[wildcards.batch]],
        stores=rules.download_batch.params.stores,
        crops=f"{RESULTS}/faces/crops",
        settings=FACES["crop"],
    log:
        "<logs>/crop_batch/{batch}.log",
    benchmark:
        "<benchmarks>/crop_batch/{batch}.tsv"
    threads: FACES["crop"]["workers"]
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/crop_batch.py"


rule summarize_faces_data:
    """Per actor: listed, fetched, verified, cropped, distinct images, a count per reason."""
    input:
        manifests=expand(rules.crop_batch.output.manifest, batch=BATCHES),
        rejects=rules.index_face_lists.output.rejects,
    output:
        summary="<results>/faces/summary.tsv",
    params:
        actors=[ACTOR_NAMES[a] for a in ACTORS],
    log:
        "<logs>/summarize_faces_data/summarize_faces_data.log",
    conda:
        "../envs/faces.yaml"
    script:
        "../scripts/summarize_faces_data.py"
