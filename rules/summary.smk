# Every result in one table for the report's first category.


rule summarize_results:
    """Every result of the run in one table beside the reference (the report opens on it)."""
    input:
        unpack(get_summary_tables),
    output:
        table=report(
            "<results>/metrics.tsv",
            caption="../report/results.rst",
            category="Summary",
            labels={"table": "all results vs reference"},
        ),
    log:
        "<logs>/summarize_results/summarize_results.log",
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/summarize_results.py"
