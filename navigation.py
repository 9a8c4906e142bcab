"""The dashboard's navigation: which pages exist and how they are grouped."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="OpenManager", page_icon="🖥️", layout="wide")

pages = st.navigation([st.Page("pages/fleet.py", title="서버 현황", icon="🖥️", default=True)])
pages.run()
