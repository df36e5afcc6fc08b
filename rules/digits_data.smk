# MNIST data: download (optional), then one npz with a deterministic train/validation/test split.


rule download_mnist:
    """One official MNIST IDX file from the first mirror whose bytes match its MD5 (shared by
    every run: the content is pinned)."""
    output:
        gz="<resources>/mnist/{stem}.gz",
    params:
        mirrors=DIGITS["mirrors"],
        settings=DIGITS["download"],
    log:
        "<logs>/download_mnist/{stem}.log",
    localrule: True
    priority: 50
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/download_mnist.py"


rule prepare_mnist:
    """The configured MNIST source as one npz, split into train/validation/test (seeded)."""
    input:
        unpack(get_mnist_source),
    output:
        data="<results>/digits/data/mnist.npz",
        summary="<results>/digits/data/split.json",
    params:
        source=DIGITS["source"],
        split=DIGITS["split"],
    log:
        "<logs>/prepare_mnist/prepare_mnist.log",
    benchmark:
        "<benchmarks>/prepare_mnist/prepare_mnist.tsv"
    resources:
        mem_mb=4000,
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/prepare_mnist.py"
