"""Every results table, in one place: the run's TSVs, their reading copies in the Snakemake
report, and the measured markdown tables of README.md and docs/results.md.

- :mod:`.numbers`: the one way a percentage, a binomial standard error, "ours − reference ± SE"
  and mean ± sd are written, used by every table below;
- :mod:`.digits_table`, :mod:`.faces_table`: each part's results beside the reference's number
  (the summarize_digits and summarize_faces jobs); :mod:`.results_table`: both in one table
  (summarize_results);
- :mod:`.html_table`: a sortable HTML table and its page; :mod:`.pages`: which tables the
  workflow writes, their headings and layout in the report, and the report's first page;
- :mod:`.request`: which targets a ``snakemake --report`` covers;
- :mod:`.markdown`: what the markdown tables share; :mod:`.benchmark_tables`,
  :mod:`.scale_tables`, :mod:`.result_tables`: the tables of the committed benchmark and run
  results; :mod:`.documents`: which file holds which (``python tools/readme_tables.py``).

Why one package: a number that reads differently in the TSV, the report and the docs is a
number a reader has to reconcile; with one home per format it cannot.
"""
