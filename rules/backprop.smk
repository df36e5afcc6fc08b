# Backpropagation versus per-weight gradients: agreement, timings over N and K, fitted exponents.


rule measure_backprop_cost:
    """Three ways to every weight's gradient: agreement, then timings over N and K."""
    output:
        timings="<results>/backprop/timings.tsv",
        fits="<results>/backprop/fits.tsv",
        summary="<results>/backprop/summary.json",
    params:
        backprop=config["backprop"],
    log:
        "<logs>/measure_backprop_cost/measure_backprop_cost.log",
    benchmark:
        "<benchmarks>/measure_backprop_cost/measure_backprop_cost.tsv"
    threads: 1
    resources:
        runtime=30,
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/measure_backprop_cost.py"


rule plot_backprop_cost:
    """The timings on log axes with the fitted exponents."""
    input:
        summary=rules.measure_backprop_cost.output.summary,
    output:
        png=report(
            "<results>/backprop/backprop_cost.png",
            caption="../report/backprop.rst",
            category="Performance",
            labels={"result": "backprop vs per-weight cost"},
        ),
    log:
        "<logs>/plot_backprop_cost/plot_backprop_cost.log",
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/plot_backprop_cost.py"
