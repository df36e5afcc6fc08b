"""digitface: the logic behind the digits (MNIST) and faces (FaceScrub) workflow.

Pure functions live here; Snakemake scripts in ``scripts/`` are thin wrappers that do the I/O.
"""

__version__ = "0.1.0"
