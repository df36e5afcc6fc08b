"""Snakemake script: central differences against analytic gradients; fails if out of tolerance."""

import logging

from digitface.atomic import write_json, write_tsv
from digitface.digits import softmax
from digitface.digits.gradcheck import check_gradients
from digitface.digits.split import to_features
from digitface.digits.store import load_split
from digitface.logs import log_to_file

log_to_file(snakemake.log[0])
cfg, init = snakemake.params.gradcheck, snakemake.params.init
data = load_split(snakemake.input.data)
n = cfg["examples"]
x, y = to_features(data["x_train"][:n]), data["y_train"][:n].astype(int)
# A zero W would make every class equally likely; a seeded normal W exercises the softmax.
W, b = softmax.init_params("normal", seed=init["seed"], scale=max(init["scale"], 0.01))
rows = check_gradients(x, y, W, b, cfg["coords"], cfg["h"], cfg["seed"])
table = [[r.param, ",".join(map(str, r.index)), f"{r.analytic:.12g}", f"{r.numeric:.12g}",
          f"{r.rel_error:.3e}"] for r in rows]
write_tsv(snakemake.output.table, ["param", "index", "analytic", "numeric", "rel_error"], table)
for row in table:
    logging.info("  %s", "  ".join(row))
worst = max(r.rel_error for r in rows)
passed = worst <= cfg["tolerance"]
write_json(snakemake.output.verdict, {"max_rel_error": worst, "tolerance": cfg["tolerance"],
                                      "passed": passed, "coordinates": len(rows), "examples": n})
logging.info("max relative error %.3e (tolerance %.1e): %s", worst, cfg["tolerance"],
             "PASS" if passed else "FAIL")
if not passed:
    raise SystemExit(f"gradient check failed: max relative error {worst:.3e} > {cfg['tolerance']:.1e}")
