"""OpenManager core: fleet catalogue, metric simulator, store and AI engine (no UI)."""

from __future__ import annotations

__version__ = "0.1.0"
