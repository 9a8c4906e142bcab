"""The dashboard frame: title, language switch, live fleet counts and the grouped pages."""

from __future__ import annotations

import streamlit as st

from openmanager_core.fleet import summarize
from openmanager_core.settings import get_settings
from openmanager_core.store import StoreUnavailable
from ui.access import sign_in_from_link
from ui.components import fleet_counts
from ui.state import lang, language_switch, shared_fleet, tr

st.set_page_config(page_title="OpenManager", page_icon="🖥️", layout="wide")
sign_in_from_link()  # the start-up log's `/?token=` link works on any page


def live_counts() -> None:
    """The sidebar's fleet counts, refreshed on their own without rerunning the page."""
    try:
        summary = summarize(shared_fleet().states(lang()))
    except StoreUnavailable:
        st.caption(tr("error.store"))
        return
    fleet_counts(summary, lang())


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
    st.fragment(live_counts, run_every=get_settings().refresh_seconds)()
