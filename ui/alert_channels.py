"""The admin page's alert-channel panel: the channels configured (masked), a test notification,
and the latest delivery failures from the store."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from openmanager_core.alerts.delivery import Notifier, channels_from
from openmanager_core.fleet import Fleet
from openmanager_core.markdown import escape_markdown as plain
from openmanager_core.store import StoreUnavailable
from ui.components import local_time
from ui.state import tr

FAILURES_SHOWN = 20
PANEL_KEY = "alert_channels"  # its value: whether the panel is open


def alert_channels_panel(fleet: Fleet) -> None:
    """Folded by default; what it holds (the channels, the test button, the store's latest
    failures) is read and sent only while it is open, so a visit to the admin page does not
    pay for a panel nobody opened."""
    channels = channels_from(fleet.settings)
    panel = st.expander(f"{tr('alerts.admin.title')} · {tr('alerts.admin.channels', n=len(channels))}",
                        icon=":material/campaign:", key=PANEL_KEY, on_change="rerun")
    if not panel.open:
        return
    with panel:
        if not channels:
            st.caption(tr("alerts.admin.no_channels"))
        for channel in channels:
            st.markdown(f"- `{plain(channel.name)}`")
        if st.button(tr("alerts.admin.test"), icon=":material/send:", disabled=not channels,
                     key="alert_test"):
            with st.spinner():
                results = Notifier(fleet.settings, fleet.store, fleet.clock, channels).test()
            for result in results:
                if result.delivered:
                    st.success(tr("alerts.admin.delivered", channel=plain(result.channel),
                                  attempts=result.attempts))
                else:
                    st.error(tr("alerts.admin.failed", channel=plain(result.channel),
                                attempts=result.attempts, error=plain(result.error or "")))
        st.markdown(f"**{tr('alerts.admin.failures')}**")
        try:
            failures = fleet.store.delivery_failures(FAILURES_SHOWN)
        except StoreUnavailable:
            st.error(tr("error.store"))
            return
        if not failures:
            st.caption(tr("alerts.admin.no_failures"))
            return
        st.dataframe(pd.DataFrame([{
            tr("admin.col.time"): local_time(f.created_at), tr("alerts.admin.col.channel"): f.channel,
            tr("alerts.admin.col.attempts"): f.attempts, tr("alerts.admin.col.error"): f.error,
        } for f in failures]), hide_index=True, width="stretch")
