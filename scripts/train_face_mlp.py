"""Snakemake script: train one seed of an MLP on 64x64 crops or on AlexNet feature chunks,
choosing the iteration on validation; minibatches read their rows from the files on demand."""

from digitface.atomic import write_json, write_tsv
from digitface.faces.face_index import (chunk_plan, crop_sets, feature_sets, open_crop_arrays,
                                        read_index)
from digitface.faces.mlp import MLPSettings, save_state, train_mlp
from digitface.faces.npy_file import NpyFile
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
rows = read_index(snakemake.input.index)
if "chunks" in snakemake.input.keys():
    plan = chunk_plan(rows, snakemake.params.chunk_size)
    sets = feature_sets(rows, plan, [NpyFile(p) for p in snakemake.input.chunks])
else:
    sets = crop_sets(rows, open_crop_arrays(snakemake.params.batches, snakemake.input.crops))
settings = MLPSettings(**snakemake.params.settings, threads=snakemake.threads)
result = train_mlp(*sets["train"], {"validation": sets["validation"], "test": sets["test"]},
                   settings, seed=int(snakemake.wildcards.seed))
columns = ["iteration", "split", "accuracy", "loss"]
write_tsv(snakemake.output.history, columns, [[r[c] for c in columns] for r in result.history])
write_json(snakemake.output.metrics, {**result.summary(), "n": {k: len(v[1]) for k, v in sets.items()}})
save_state(snakemake.output.model, result.state_dict)
