"""Snakemake script: the digits metrics table, side by side with the reference numbers."""

import json

from digitface.atomic import write_tsv
from digitface.digits.summary import HEADER, summary_rows
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])


def read(path):
    with open(path) as fh:
        return json.load(fh)


inputs = snakemake.input
snapshot = read(inputs.snapshot) if "snapshot" in inputs.keys() else None
runs = {"gd": read(inputs.gd), "momentum": read(inputs.momentum)}
fixed = {opt: read(inputs[f"fixed_{opt}"]) for opt in runs if f"fixed_{opt}" in inputs.keys()}
rows = summary_rows(read(inputs.split), read(inputs.gradcheck), runs, snapshot, fixed)
write_tsv(snakemake.output.table, HEADER, rows)
