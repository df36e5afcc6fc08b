"""Snakemake script: check the three gradient methods agree, then time them over N and K."""

import logging

from digitface.atomic import write_json, write_tsv
from digitface.backprop.measure import fit_exponents, max_disagreement, run_grid
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
cfg = snakemake.params.backprop
agreement = max_disagreement(cfg["agreement"]["n_layers"], cfg["agreement"]["width"])
logging.info("largest relative difference from backprop: %s", agreement)
if max(agreement.values()) > 1e-6:
    raise SystemExit(f"gradient methods disagree: {agreement}")
rows = run_grid(cfg["grid"], cfg["repeats"])
fits = fit_exponents(rows)
columns = ["method", "vary", "n_layers", "width", "seconds"]
write_tsv(snakemake.output.timings, columns, [[r[c] for c in columns] for r in rows])
write_tsv(snakemake.output.fits, ["method", "fit", "measured", "predicted", "prose"],
          [[f["method"], f["fit"], f"{f['measured']:.2f}", f"{f['predicted']:.2f}", f["prose"]] for f in fits])
write_json(snakemake.output.summary, {"agreement": {**cfg["agreement"], "max_rel_diff": agreement},
                                      "fits": fits})
