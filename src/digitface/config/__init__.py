"""The workflow's configuration before any job runs, one module per concern:

- :mod:`.overrides`: typed ``--config`` overrides, and a refused setting in words with the file
  (or ``--config``) that set it;
- :mod:`.run_name`: the name of the run's folder;
- :mod:`.checks`: what the schema cannot judge alone (a missing data file, a split larger
  than the data), every problem at once, each naming its key and path;
- :mod:`.derived`: settings that follow from others (the AlexNet weights, the feature set's name).

Why a package and not the Snakefile: these are decisions, and decisions are tested Python.
rules/common.smk calls :func:`~digitface.config.overrides.coerce_to_schema` before Snakemake's
``validate`` and :func:`~digitface.config.checks.check_config` after it. Nothing here imports
torch: planning must stay fast.

:class:`ConfigError` lives here because every step raises it: a setting that stops the run.
"""


class ConfigError(ValueError):
    """A setting the workflow cannot honour; the message names each key and path at fault."""
