"""Where tensors go: the machine's accelerator when it has one, else the CPU (one helper for
every model, so no code asks for CUDA by name)."""

from __future__ import annotations

import torch


def default_device() -> torch.device:
    """``torch.accelerator``'s current device (CUDA, ...) when one is available, else the CPU."""
    if torch.accelerator.is_available():
        return torch.accelerator.current_accelerator()
    return torch.device("cpu")
