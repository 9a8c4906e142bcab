"""OpenManager entry point: the dashboard at `/` and the HTTP API at `/api`, one process.

Run with `streamlit run app.py` (as Community Cloud does) or `uvicorn app:app`.
"""

from __future__ import annotations

import streamlit as st
from starlette.routing import Mount

from openmanager_core.api import create_api
from openmanager_core.api.tcp_nodelay import enable_tcp_nodelay
from openmanager_core.runtime import get_fleet

enable_tcp_nodelay()
# Streamlit copies root-level secrets (DATABASE_URL = "...") into the environment only
# after this module is imported; load them now so Settings sees them (Community Cloud).
st.secrets.load_if_toml_exists()

app = st.App("navigation.py", routes=[Mount("/api", app=create_api(get_fleet))])
