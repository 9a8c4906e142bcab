"""The dashboard frame: title, language switch, live fleet counts and the grouped pages."""

from __future__ import annotations

import streamlit as st

from openmanager_core.alerts.models import AlertState
from openmanager_core.settings import get_settings
from openmanager_core.store import StoreUnavailable
from ui.access import sign_in_from_link
from ui.components import fleet_counts
from ui.state import lang, language_switch, live_fragment, shared_fleet, shown_as_message, tr

st.set_page_config(page_title="OpenManager", page_icon="🖥️", layout="wide")
sign_in_from_link()  # the start-up log's `/?token=` link works on any page


COUNTS_POLL_SECONDS = 0.5  # while a deployment runs, a new server shows in every sidebar within this


def counts_idle_seconds() -> float:
    """The sidebar's pace with no deployment running: the fleet page's, whose table it counts.

    Every open tab polls it on every page, so it is most of the live reruns a server serves:
    at 1 s, 50 tabs were 50 reruns a second. A deployment started elsewhere shows within this,
    and from then on the sidebar polls at COUNTS_POLL_SECONDS.
    """
    return get_settings().refresh_seconds


def live_counts(polled_running: bool) -> None:
    """The sidebar's fleet counts, refreshed on their own without rerunning the page.

    The counts come from the fleet's process-wide snapshot (judged once per second and store
    version for every session), without composing each server's state, so polling is cheap.
    When a deployment starts or stops, the page reruns so the poll takes the matching pace.
    """
    try:
        fleet = shared_fleet()
        status = fleet.deployment_status()
        summary = fleet.now().summary
        firing = fleet.store.alert_counts()[AlertState.FIRING]
    except StoreUnavailable:
        st.caption(tr("error.store"))
        return
    fleet_counts(summary, lang())
    st.page_link("views/alerts.py", label=tr("nav.alerts_firing", n=firing), icon=None)
    if status.running != polled_running:
        st.rerun()


def deployment_running() -> bool:
    try:
        return shared_fleet().deployment_status().running
    except StoreUnavailable:
        return False


with st.sidebar:
    counts_box = st.container()
    language_switch()

pages = st.navigation({
    tr("nav.section.monitoring"): [
        st.Page("views/fleet.py", title=tr("nav.fleet"), icon=":material/dns:", default=True),  # at "/"
        st.Page("views/deployment.py", title=tr("nav.deployment"), icon=":material/rocket_launch:",
                url_path="deployment"),
        st.Page("views/timeline.py", title=tr("nav.timeline"), icon=":material/timeline:",
                url_path="timeline"),
    ],
    tr("nav.section.ai"): [
        st.Page("views/ai.py", title=tr("nav.ai"), icon=":material/psychology:", url_path="ai"),
    ],
    tr("nav.section.operations"): [
        st.Page("views/alerts.py", title=tr("nav.alerts"), icon=":material/notifications_active:",
                url_path="alerts"),
        st.Page("views/incidents.py", title=tr("nav.incidents"), icon=":material/crisis_alert:",
                url_path="incidents"),
        st.Page("views/admin.py", title=tr("nav.admin"), icon=":material/monitoring:",
                url_path="admin"),
    ],
})

with shown_as_message(f"page {pages.url_path or '/'}"):
    pages.run()

# Drawn after the page so that what the page just did (deploy, inject, reset) is counted.
with counts_box, shown_as_message("sidebar"):
    st.markdown(f"#### 🖥️ OpenManager\n{tr('nav.tagline')}")
    running = deployment_running()
    live_fragment(live_counts, run_every=COUNTS_POLL_SECONDS if running else counts_idle_seconds())(running)
