"""The dashboard frame: title, language switch, live fleet counts and the grouped pages."""

from __future__ import annotations

import time

import streamlit as st

from openmanager_core.fleet import summarize
from openmanager_core.store import StoreUnavailable
from ui.components import fleet_counts
from ui.state import lang, language_switch, shared_fleet, tr

st.set_page_config(page_title="OpenManager", page_icon="🖥️", layout="wide")


COUNTS_POLL_SECONDS = 0.5  # a deployed server shows in every sidebar within this
COUNTS = "sidebar_counts"


def live_counts() -> None:
    """The sidebar's fleet counts, refreshed on their own without rerunning the page.

    Each poll is one cheap read of the deployment; the statuses are counted again only when
    a server was added or removed, or `refresh_seconds` passed (the page run starts afresh).
    """
    try:
        fleet = shared_fleet()
        deployed = fleet.deployment_status().state.current_count
        cached = st.session_state.get(COUNTS)
        if (cached is None or cached[0] != deployed
                or time.monotonic() - cached[1] > fleet.settings.refresh_seconds):
            cached = (deployed, time.monotonic(), summarize(fleet.states(lang())))
            st.session_state[COUNTS] = cached
    except StoreUnavailable:
        st.caption(tr("error.store"))
        return
    fleet_counts(cached[2], lang())


with st.sidebar:
    counts_box = st.container()
    language_switch()

pages = st.navigation({
    tr("nav.section.monitoring"): [
        st.Page("views/fleet.py", title=tr("nav.fleet"), icon=":material/dns:", default=True),  # at "/"
        st.Page("views/deployment.py", title=tr("nav.deployment"), icon=":material/rocket_launch:",
                url_path="deployment"),
    ],
    tr("nav.section.ai"): [
        st.Page("views/ai.py", title=tr("nav.ai"), icon=":material/psychology:", url_path="ai"),
    ],
    tr("nav.section.operations"): [
        st.Page("views/incidents.py", title=tr("nav.incidents"), icon=":material/crisis_alert:",
                url_path="incidents"),
        st.Page("views/admin.py", title=tr("nav.admin"), icon=":material/monitoring:",
                url_path="admin"),
    ],
})

pages.run()

# Drawn after the page so that what the page just did (deploy, inject, reset) is counted.
with counts_box:
    st.markdown(f"#### 🖥️ OpenManager\n{tr('nav.tagline')}")
    st.session_state.pop(COUNTS, None)  # a page run counts afresh; the fragment's polls reuse it
    st.fragment(live_counts, run_every=COUNTS_POLL_SECONDS)()
