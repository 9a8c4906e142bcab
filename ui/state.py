"""Shared objects (one per process) and per-session choices the pages read."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec

import streamlit as st

from openmanager_core.ai import Agent
from openmanager_core.fleet import Fleet
from openmanager_core.i18n import LANGUAGES, Lang, t
from openmanager_core.runtime import get_agent, get_fleet
from openmanager_core.sources import SourceUnavailable
from openmanager_core.store import StoreUnavailable

P = ParamSpec("P")
log = logging.getLogger("openmanager.ui")

LANG_KEY = "lang"
LANGUAGE_NAMES: dict[Lang, str] = {"ko": "한국어", "en": "English"}


@st.cache_resource(show_spinner=False)
def shared_fleet() -> Fleet:
    """The process's one fleet (store, catalogue, simulator), shared by every session."""
    return get_fleet()


@st.cache_resource(show_spinner=False)
def shared_agent() -> Agent:
    """The process's one AI agent (engine tiers, answer cache, records), shared by every session."""
    return get_agent()


def agent_or_stop() -> Agent:
    """The shared agent; when the store behind it cannot be reached, say so and end this run."""
    try:
        return shared_agent()
    except StoreUnavailable:
        st.error(tr("error.store"))
        st.stop()


def fleet_or_stop() -> Fleet:
    """The shared fleet; when the store cannot be reached, say so and end this run."""
    try:
        return shared_fleet()
    except StoreUnavailable:
        st.error(tr("error.store"))
        st.stop()


def lang() -> Lang:
    """The session's language: the sidebar switch, or `?lang=en`; Korean by default."""
    value = st.session_state.get(LANG_KEY)
    return value if value in LANGUAGES else "ko"


def tr(key: str, **values: object) -> str:
    """`key` from the language table, in the session's language."""
    return t(key, lang(), **values)


TRANSLATED_KEY = "translated_choices"  # the keys `translated` has seen in this session


def translated(key: str) -> str:
    """`key`, for a keyed selectbox or multiselect whose option labels are in the session's language.

    Streamlit (1.67) keeps showing such a widget's chosen label across reruns, so after the language
    switch it stayed in the old language until the next pick; the switch sets each one's value again
    (`_language_switched`), which makes Streamlit send it anew, labelled in the new language."""
    st.session_state.setdefault(TRANSLATED_KEY, set()).add(key)
    return key


def _language_switched() -> None:
    """Keep the choice in the URL (`?lang=en`) so a reload or shared link keeps it; Korean is bare.
    Show every translated choice of this session in the new language."""
    _language_to_url()
    for key in st.session_state.get(TRANSLATED_KEY, set()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _language_to_url() -> None:
    if st.session_state[LANG_KEY] == "ko":
        st.query_params.pop(LANG_KEY, None)
    else:
        st.query_params[LANG_KEY] = st.session_state[LANG_KEY]


def language_switch() -> None:
    """The 한국어 / English switch; `?lang=en` in the URL chooses too."""
    requested = st.query_params.get(LANG_KEY, "").lower()
    if requested in LANGUAGES:
        st.session_state[LANG_KEY] = requested
    elif LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = "ko"
    # One bilingual label: a label that changed with the choice would confuse both readers.
    st.segmented_control(t("nav.language"), LANGUAGES, required=True, key=LANG_KEY,
                         format_func=LANGUAGE_NAMES.__getitem__, on_change=_language_switched)
    _language_to_url()  # page switches drop the query string; put the choice back


@contextmanager
def shown_as_message(part: str) -> Iterator[None]:
    """Run one part of a page (the page, the sidebar, a live fragment); if it fails, log why
    and show a plain message in the session's language where it would have been, never a
    traceback. Streamlit's own stop and rerun are not errors and pass through."""
    try:
        yield
    except StoreUnavailable:
        st.error(tr("error.store"))
    except SourceUnavailable as exc:  # "Prometheus unreachable: ..."; the next run tries again
        st.error(exc.text(lang()))
    except Exception:
        log.exception("%s failed", part)
        st.error(tr("error.unexpected"))


def live_fragment(body: Callable[P, None], run_every: float) -> Callable[P, None]:
    """`st.fragment(body, run_every=...)`, where a failing rerun shows a message, not a traceback
    (a fragment's reruns run outside the page's guard)."""

    @functools.wraps(body)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        with shown_as_message(body.__qualname__):
            body(*args, **kwargs)

    return st.fragment(guarded, run_every=run_every)
