# Every result in one table for the report's first category.


rule summarize_results:
    input:
        digits=rules.summarize_digits.output.table,
        faces=rules.summarize_faces.output.table,
    output:
        table=report(
            "results/metrics.tsv",
            caption="../report/results.rst",
            category="Summary",
            labels={"table": "all results vs reference"},
        ),
    log:
        "logs/summarize_results/summarize_results.log",
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/summarize_results.py"
