# syntax=docker/dockerfile:1
# OpenManager: the dashboard at / and the HTTP API at /api, one process per container.
#
#   docker build -t openmanager .
#   docker run -p 8501:8501 openmanager                     # SQLite in the /app/data volume
#   docker compose up -d                                   # PostgreSQL, Redis, 2 replicas, proxy
#
# Stage 1 builds a virtualenv from the pinned requirements; stage 2 copies only that venv
# and the source onto a fresh slim image, so download caches and build leftovers stay behind.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --no-compile -r /tmp/requirements.txt \
    && /opt/venv/bin/python -m compileall -q /opt/venv/lib

FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
RUN groupadd --system --gid 10001 openmanager \
    && useradd --system --uid 10001 --gid openmanager --create-home \
       --home-dir /home/openmanager --shell /usr/sbin/nologin openmanager
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# Source stays root-owned (the app cannot rewrite itself); only data/ is the app's.
COPY . .
RUN mkdir -p /app/data && chown openmanager:openmanager /app/data
USER 10001:10001
VOLUME ["/app/data"]
EXPOSE 8501
# 200 while the database answers (also when only the cache or LLM is down); 503 -> non-zero exit.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/api/health', timeout=4)"]
CMD ["streamlit", "run", "app.py", \
     "--server.address=0.0.0.0", "--server.port=8501", \
     "--server.headless=true", "--browser.gatherUsageStats=false", \
     "--server.fileWatcherType=none"]
