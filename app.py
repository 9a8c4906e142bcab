"""OpenManager entry point: the dashboard at `/` and the HTTP API at `/api`, one process.

Run with `streamlit run app.py` (as Community Cloud does) or `uvicorn app:app`.
"""

from __future__ import annotations

import contextlib

import streamlit as st
from starlette.middleware import Middleware
from starlette.routing import Mount

from openmanager_core.api import create_api
from openmanager_core.api.middleware import SecurityHeaders
from openmanager_core.api.tcp_nodelay import enable_tcp_nodelay
from openmanager_core.runtime import get_fleet, get_keyring
from openmanager_core.security.keys import log_sign_in
from openmanager_core.store import StoreUnavailable

# Listening on every interface: a browser on this machine reaches it as localhost.
ANY_ADDRESS = ("", "0.0.0.0", "::")


def browser_url() -> str:
    """Where a browser on this machine reaches the dashboard, from Streamlit's server options."""
    address = st.get_option("server.address") or ""
    host = "localhost" if address in ANY_ADDRESS else f"[{address}]" if ":" in address else address
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"http://{host}:{st.get_option('server.port')}" + (f"/{base}" if base else "")


enable_tcp_nodelay()
# Streamlit copies root-level secrets (DATABASE_URL = "...") into the environment only
# after this module is imported; load them now so Settings sees them (Community Cloud).
st.secrets.load_if_toml_exists()

# SecurityHeaders on the pages as on the API: no framing (Inject / Clear all), no Host echoed.
app = st.App("navigation.py", routes=[Mount("/api", app=create_api(get_fleet))],
             middleware=[Middleware(SecurityHeaders)])
# Imported once per process: the one place the start-up log says how to sign in.
log_sign_in(get_keyring(), browser_url())
# Open the fleet now, which starts its deployment driver: a deployment that was running when the
# process stopped goes on after a restart even if nobody opens a page.
with contextlib.suppress(StoreUnavailable):  # the pages and /api/health say so; first use retries
    get_fleet()
