"""The baseline app's one page."""

import streamlit as st

st.title("baseline")
