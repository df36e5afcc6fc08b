# digitface: MNIST softmax networks and FaceScrub face classifiers, reproducibly.
# Entry point only: configuration, the run's folders, includes and the targets.
from snakemake.utils import min_version

min_version("9.27")

# Snakemake 9 adds a chain of one-second scheduling rounds for every job that finishes while
# others wait (quadratic at FaceScrub's scale): keep one pending (digitface/scheduling.py; it
# patches only the Snakemake release it was checked against, and a test names a new one).
from digitface.scheduling import one_pending_reevaluation

one_pending_reevaluation()


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"


# Every path of this run lives under results/<run>/ (RESULTS); checksum-pinned downloads,
# identical for every run, under results/resources/.
pathvars:
    results=RESULTS,
    logs=f"{RESULTS}/logs",
    benchmarks=f"{RESULTS}/benchmarks",
    resources=RESOURCES,


include: "rules/digits_data.smk"
include: "rules/digits.smk"
include: "rules/faces_data.smk"
include: "rules/faces_models.smk"
include: "rules/backprop.smk"
include: "rules/summary.smk"


# A job that may not fit in memory, faces that may not fit on the disk: refused before any job.
onstart:
    check_before_first_job()


rule all:
    """Every output of the run's experiments (config `experiments`) and its summary table."""
    input:
        get_all_targets(),
    default_target: True


rule digits:
    """The MNIST part: gallery, gradient check, GD and momentum runs, figures, table."""
    input:
        get_digits_targets(),


rule faces_data:
    """The FaceScrub data part: download, verify and crop every actor's images."""
    input:
        get_faces_data_targets(),


rule faces:
    """The whole faces part: the data, both face classifiers, their figures and table."""
    input:
        get_faces_data_targets(),
        get_faces_models_targets(),


rule backprop:
    """Backpropagation versus per-weight gradients: timings and fitted exponents."""
    input:
        get_backprop_targets(),


rule unknown_target:
    """Not a target: explains a mistyped one (a bare word that is no rule's name)."""
    input:
        unknown_target,
    output:
        "{target}",
    wildcard_constraints:
        target="[A-Za-z0-9_-]+",
    log:
        "<logs>/unknown_target/{target}.log",
    localrule: True
    conda:
        "envs/digits.yaml"
    shell:
        "false"
