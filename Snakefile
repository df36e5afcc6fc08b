# digitface: MNIST softmax networks and FaceScrub face classifiers, reproducibly.
# Entry point only: configuration, includes and the default target.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/digits_data.smk"
include: "rules/digits.smk"
include: "rules/faces_data.smk"
include: "rules/faces_models.smk"
include: "rules/backprop.smk"
include: "rules/summary.smk"


rule all:
    input:
        get_all_targets(),
    default_target: True


rule digits:
    input:
        get_digits_targets(),


rule faces_data:
    input:
        get_faces_data_targets(),


rule faces:
    input:
        get_faces_data_targets(),
        get_faces_models_targets(),
