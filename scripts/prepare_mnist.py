"""Snakemake script: load the configured MNIST source and write the seeded split."""

import logging

from digitface.atomic import write_json
from digitface.configuration import SAMPLE_TEST_SIZE
from digitface.digits import sources
from digitface.digits.split import split_digits
from digitface.digits.store import save_arrays
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
source, inputs = snakemake.params.source, snakemake.input
if source == "sample":
    digits = sources.load_sample(inputs.sample)
elif source == "mat":
    digits = sources.load_mat(inputs.mat)
else:  # idx_dir and download both give the four IDX files, declared as named inputs
    digits = sources.load_idx_files(**{key: inputs[key] for key in sources.IDX_FILES})

cfg = snakemake.params.split
test_size = cfg["test_size"] or SAMPLE_TEST_SIZE
arrays = split_digits(digits, cfg["validation_size"], test_size, cfg["seed"])
save_arrays(snakemake.output.data, **arrays)
summary = {
    "source": source,
    "sample": source == "sample",
    "test_set": "official MNIST test set" if digits.test_images is not None
    else "carved out of the sample (MNIST training images)",
    "counts": {k[2:]: int(len(v)) for k, v in arrays.items() if k.startswith("y_")},
    "split": {**cfg, "test_size": test_size if digits.test_images is None else None},
}
write_json(snakemake.output.summary, summary)
logging.info("split: %s", summary["counts"])
