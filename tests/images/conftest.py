"""Fixtures for the image tests: the repository, the platform values and the image folders."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "images"


@pytest.fixture(scope="session")
def values() -> dict:
    from fastsim_kernel.platform import load_values

    return load_values(REPO / "config.yaml")
