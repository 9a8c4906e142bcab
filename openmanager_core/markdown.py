"""Caller text placed in Markdown (answers, page text): escaped so that it shows literally."""

from __future__ import annotations

import re

# Every character Markdown (and Streamlit's :colour[...] / $math$ / :emoji: extensions) gives a meaning.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


def escape_markdown(text: str) -> str:
    """`text` with each Markdown special backslash-escaped: no links, HTML, emphasis or colour codes."""
    return _SPECIAL.sub(r"\\\1", text)
