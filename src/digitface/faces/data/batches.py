"""Actors grouped into batches: one download job, one crop job and one crop array per batch.

At FaceScrub's scale (530 identities) one job per actor and stage means over a thousand jobs,
and Snakemake's own work grows with their number (a scheduling round per finished job, the
input sizes of every ready job each round). A batch of consecutive actors (sorted slugs) makes
one job of several: far fewer jobs, the same data products. Stores and crops stay per actor
and per face, so when a batch's membership changes (an actor added before it) the regrouped
batch fetches and decodes nothing again.
"""

from __future__ import annotations

from typing import Sequence


def batch_name(actors: Sequence[str]) -> str:
    """A batch's folder name: its actor's slug when alone (the per-actor layout), else
    ``first..last`` (a slug never contains "..", so a batch name is never an actor's)."""
    if not actors:
        raise ValueError("a batch needs at least one actor")
    return actors[0] if len(actors) == 1 else f"{actors[0]}..{actors[-1]}"


def actor_batches(actors: Sequence[str], per_batch: int) -> dict[str, list[str]]:
    """``{name: slugs}``: the sorted slugs cut into runs of ``per_batch`` (the last may be
    shorter), in that order."""
    if per_batch < 1:
        raise ValueError("actors_per_job must be positive")
    slugs = sorted(actors)
    runs = [slugs[i : i + per_batch] for i in range(0, len(slugs), per_batch)]
    return {batch_name(run): run for run in runs}
