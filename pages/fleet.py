"""Fleet page: every deployed server with its live status and metrics."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from openmanager_core.fleet import Fleet
from openmanager_core.runtime import get_fleet


@st.cache_resource
def shared_fleet() -> Fleet:
    return get_fleet()


st.title("서버 현황")
states = shared_fleet().states("ko")
if not states:
    st.info("아직 배포된 서버가 없습니다. POST /api/servers/next 로 배포를 시작하세요.")
else:
    st.dataframe(pd.DataFrame([
        {"hostname": s.hostname, "type": s.type.value, "status": s.status.value,
         "cpu": s.metrics.cpu if s.metrics else None,
         "memory": s.metrics.memory if s.metrics else None,
         "disk": s.metrics.disk if s.metrics else None, "uptime": s.uptime}
        for s in states
    ]), hide_index=True)
