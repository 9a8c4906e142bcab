"""The floor of our stack: a bare `st.App` with one FastAPI route, served by `streamlit run`.

Same framework path as app.py (Streamlit's server, the /api mount, FastAPI, the TCP_NODELAY
fix) and no work in the route, so `bench` can show what our code adds on top.
"""

from __future__ import annotations

import streamlit as st
from fastapi import FastAPI
from starlette.routing import Mount

from openmanager_core.api.tcp_nodelay import enable_tcp_nodelay

enable_tcp_nodelay()

api = FastAPI()


@api.api_route("/servers/next", methods=["GET", "POST"])
def next_server() -> dict[str, object]:
    return {"success": True, "server": None, "currentCount": 20, "isComplete": True}


app = st.App("page.py", routes=[Mount("/api", app=api)])
