"""Thin Streamlit helpers the pages share: shared objects, language, cards and Plotly figures."""
