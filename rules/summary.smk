# Every result in one table, and every table's reading copy for the report.


rule summarize_results:
    """Every result of the run in one table beside the reference (the report opens on it)."""
    input:
        unpack(get_summary_tables),
    output:
        table="<results>/metrics.tsv",
    log:
        "<logs>/summarize_results/summarize_results.log",
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/summarize_results.py"


rule render_table:
    """A table's reading copy for the report: HTML with human column names, sortable."""
    input:
        tsv="<results>/{table}.tsv",
    output:
        html=report(
            "<results>/{table}.html",
            caption="../report/table.rst",
            category=lambda wildcards: TABLES[wildcards.table].category,
            labels=lambda wildcards: {"result": TABLES[wildcards.table].label},
        ),
    params:
        caption=lambda wildcards: TABLES[wildcards.table].caption,
        provenance=lambda wildcards: provenance.table_line(
            config, TABLES[wildcards.table].part
        ),
    log:
        "<logs>/render_table/{table}.log",
    conda:
        "../envs/digits.yaml"
    script:
        "../scripts/render_table.py"
