# syntax=docker/dockerfile:1
# allocation-monitor: the daemon in a slim image.
#
#   docker build -t allocation-monitor .
#   docker run --rm -p 127.0.0.1:8012:8012 allocation-monitor            # example config
#   docker run --rm allocation-monitor db upgrade                        # any command
#
# Config: /etc/allocation-monitor/allocation-monitor.toml (MONITOR_CONFIG); mount your own
# folder there. Data: /var/lib/allocation-monitor, the working directory, where the default
# SQLite file goes (var/allocation-monitor.db); set MONITOR_DATABASE_URL (or
# MONITOR_DATABASE__URL_FILE) for PostgreSQL.

ARG PYTHON_VERSION=3.11

# ---- builder: the wheel (migrations and templates inside), installed into a venv -------
FROM python:${PYTHON_VERSION}-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY migrations ./migrations
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install /wheels/*.whl

# ---- runtime: the venv alone, run by an unprivileged user -------------------------------
FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MONITOR_CONFIG=/etc/allocation-monitor/allocation-monitor.toml \
    MONITOR_API__HOST=0.0.0.0 \
    MONITOR_API__PORT=8012
RUN groupadd --system --gid 10001 monitor \
    && useradd --system --uid 10001 --gid monitor --no-create-home \
        --home-dir /var/lib/allocation-monitor --shell /usr/sbin/nologin monitor \
    && install -d -o monitor -g monitor -m 0750 /var/lib/allocation-monitor
COPY --from=builder /opt/venv /opt/venv
COPY config/allocation-monitor.toml config/holdings.json /etc/allocation-monitor/
WORKDIR /var/lib/allocation-monitor
VOLUME ["/var/lib/allocation-monitor"]
USER monitor
EXPOSE 8012
# The daemon finishes the tick in flight on SIGTERM; give it the time (docker stop -t).
STOPSIGNAL SIGTERM
# Liveness only (/healthz needs no token); slim images have no curl, Python does it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MONITOR_API__PORT', '8012'), timeout=4)"]
ENTRYPOINT ["allocation-monitor"]
CMD ["run"]
