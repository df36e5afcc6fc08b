# MNIST experiments: gallery, gradient check, GD and momentum training, figures, summary.


rule plot_digit_gallery:
    """Ten seeded examples of each digit in one picture."""
    input:
        data=rules.prepare_mnist.output.data,
    output:
        png=report(
            "<results>/digits/figures/gallery.png",
            caption="../report/digits_gallery.rst",
            category="Digits",
            labels={"result": "digit gallery"},
        ),
    params:
        gallery=DIGITS["gallery"],
        data=provenance.digits_data(config),
    log:
        "<logs>/plot_digit_gallery/plot_digit_gallery.log",
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/plot_digit_gallery.py"


rule check_gradients:
    """Analytic gradients of the softmax cost against central differences (float64)."""
    input:
        data=rules.prepare_mnist.output.data,
    output:
        table="<results>/digits/gradcheck.tsv",
        verdict="<results>/digits/gradcheck.json",
    params:
        gradcheck=DIGITS["gradcheck"],
        init=DIGITS["init"],
    log:
        "<logs>/check_gradients/check_gradients.log",
    benchmark:
        "<benchmarks>/check_gradients/check_gradients.tsv"
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/check_gradients.py"


rule train_softmax:
    """GD or momentum on the softmax network; the iteration kept is chosen on validation."""
    input:
        data=rules.prepare_mnist.output.data,
    output:
        history="<results>/digits/{optimizer}/history.tsv",
        metrics="<results>/digits/{optimizer}/metrics.json",
        weights="<results>/digits/{optimizer}/weights.npz",
    params:
        schedule=lambda wildcards: DIGITS["train"][wildcards.optimizer],
        refit=DIGITS["train"]["refit"],
        init=DIGITS["init"],
    log:
        "<logs>/train_softmax/{optimizer}.log",
    benchmark:
        "<benchmarks>/train_softmax/{optimizer}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/train_softmax.py"


# The reference's own protocol: fixed iterations on all training images, nothing selected.
rule train_softmax_fixed:
    """The reference's protocol: fixed iterations on all training images, nothing chosen."""
    input:
        data=rules.prepare_mnist.output.data,
    output:
        metrics="<results>/digits/{optimizer}/reference_protocol.json",
    params:
        schedule=lambda wildcards: DIGITS["train"][wildcards.optimizer],
        iterations=lambda wildcards: REFERENCE_ITERATIONS[wildcards.optimizer],
        init=DIGITS["init"],
    log:
        "<logs>/train_softmax_fixed/{optimizer}.log",
    benchmark:
        "<benchmarks>/train_softmax_fixed/{optimizer}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/train_softmax_fixed.py"


rule plot_learning_curves:
    """Accuracy and cost per iteration of one optimizer, the chosen iteration marked."""
    input:
        history=rules.train_softmax.output.history,
        metrics=rules.train_softmax.output.metrics,
    output:
        png=report(
            "<results>/digits/figures/curves_{optimizer}.png",
            caption="../report/digits_curves.rst",
            category="Digits",
            labels=optimizer_label("learning curves"),
        ),
        svg="<results>/digits/figures/curves_{optimizer}.svg",
    params:
        data=provenance.digits_data(config),
    log:
        "<logs>/plot_learning_curves/{optimizer}.log",
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/plot_learning_curves.py"


rule plot_weights:
    """Each digit's learned weights as a 28x28 picture, on one shared colour scale."""
    input:
        weights=rules.train_softmax.output.weights,
    output:
        png=report(
            "<results>/digits/figures/weights_{optimizer}.png",
            caption="../report/digits_weights.rst",
            category="Digits",
            labels=optimizer_label("weights"),
        ),
    params:
        data=provenance.digits_data(config),
    log:
        "<logs>/plot_weights/{optimizer}.log",
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/plot_weights.py"


rule evaluate_snapshot:
    """Accuracy of the course's snapshot50.pkl as a tanh network (loaded safely)."""
    input:
        data=rules.prepare_mnist.output.data,
        snapshot=DIGITS["snapshot"] or [],
    output:
        metrics="<results>/digits/snapshot/metrics.json",
    log:
        "<logs>/evaluate_snapshot/evaluate_snapshot.log",
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/evaluate_snapshot.py"


rule summarize_digits:
    """The digits results beside the reference's numbers."""
    input:
        unpack(get_optional_digits_metrics),
        split=rules.prepare_mnist.output.summary,
        gradcheck=rules.check_gradients.output.verdict,
        gd="<results>/digits/gd/metrics.json",
        momentum="<results>/digits/momentum/metrics.json",
    output:
        table="<results>/digits/metrics.tsv",
    log:
        "<logs>/summarize_digits/summarize_digits.log",
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/summarize_digits.py"
