"""The ImageNet AlexNet weights as data: obtained once, pinned by their full SHA-256.

Sources, in order: a configured local copy (``path``), torch hub's cache (where torchvision
keeps the file after ``alexnet(weights=IMAGENET1K_V1)``; a user may have it already), then the
configured URLs (torchvision's own first). The fetch is resumable and size-capped
(:mod:`digitface.pinned`); the extraction jobs then read the one verified file, declared as
their input, so a changed file reruns them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from digitface.pinned import SourcesExhausted, Transfer, fetch_verified, sha256_check

TORCHVISION_URL = "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"


def hub_checkpoint_dir() -> Path:
    """torch hub's checkpoint folder, as ``torch.hub.get_dir()`` computes it (without torch)."""
    home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "torch"
    )
    return Path(home) / "hub" / "checkpoints"


def weights_filename(url: str = TORCHVISION_URL) -> str:
    return os.path.basename(urlsplit(url).path)


def weight_sources(settings: Mapping) -> list[str]:
    """Where to look, in order: the local path if set, else the hub cache if it has the file,
    then every URL."""
    if settings.get("path"):
        return [settings["path"]]
    cached = hub_checkpoint_dir() / weights_filename(settings["urls"][0])
    return ([str(cached)] if cached.is_file() else []) + list(settings["urls"])


def fetch_alexnet_weights(settings: Mapping, dest: str | os.PathLike, session=None) -> str:
    """Verified weights at ``dest``; the source used. The error of a machine without them
    names the URL, the file and the folder where a copy made elsewhere can go."""
    transfer = Transfer(
        settings["connect_timeout"], settings["read_timeout"], settings["retries"], settings["max_bytes"]
    )
    try:
        return fetch_verified(
            weight_sources(settings),
            dest,
            sha256_check(settings["sha256"]),
            transfer,
            session=session,
            what="AlexNet ImageNet weights",
        )
    except SourcesExhausted as exc:
        url = settings["urls"][0]
        raise SourcesExhausted(
            f"{exc}\nThe AlexNet ImageNet weights (sha256 {settings['sha256']}) are not on this "
            f"machine and no source served them. On a machine with network, download {url} and "
            f"put it in {hub_checkpoint_dir()}/ as {weights_filename(url)}, or set "
            "face_models.alexnet.imagenet.path to your copy; or use weights 'random'."
        ) from None
