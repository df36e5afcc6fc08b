"""Snakemake script: check the three gradient methods agree, then time them over N and K."""

import logging

from threadpoolctl import threadpool_limits

from digitface.atomic import write_json, write_tsv
from digitface.backprop.measure import fit_exponents, max_disagreement, medians, run_grid
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
cfg = snakemake.params.backprop
agreement = max_disagreement(cfg["agreement"]["n_layers"], cfg["agreement"]["width"])
logging.info("largest relative difference from backprop: %s", agreement)
if max(agreement.values()) > 1e-6:
    raise SystemExit(f"gradient methods disagree: {agreement}")
with threadpool_limits(1):  # the methods' own cost, not how well BLAS spreads it over cores
    rows = run_grid(cfg["grid"], cfg["repeats"])
fits = fit_exponents(rows)
columns = ["method", "vary", "n_layers", "width", "repeat", "seconds"]
write_tsv(snakemake.output.timings, columns, [[r[c] for c in columns] for r in rows])
write_tsv(snakemake.output.fits, ["method", "fit", "measured", "ci95", "predicted", "prose"],
          [[f["method"], f["fit"], f"{f['measured']:.2f}", f"{f['ci95'][0]:.2f} to {f['ci95'][1]:.2f}",
            f"{f['predicted']:.2f}", f["prose"]] for f in fits])
write_json(snakemake.output.summary, {"agreement": {**cfg["agreement"], "max_rel_diff": agreement},
                                      "repeats": cfg["repeats"], "fits": fits, "points": medians(rows)})
