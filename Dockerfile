# Pembina in a container: one image for the `pembina migrate` step and the webhook workers.
# Build: docker build -t pembina .   (compose.yaml builds it too)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Installed as a package (not run from the source tree): the catalogues, demo files and
# migrations come with it as package data.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install . && rm -rf /src

# Never root: the bot needs no privilege, and its only state is in the database.
RUN useradd --create-home --uid 10001 pembina
USER pembina
WORKDIR /home/pembina

# In a container the worker listens on every interface of its own network namespace; the
# reverse proxy (TLS, Telegram's allowed ports) forwards the webhook URL to this port.
ENV PEMBINA_WEBHOOK_LISTEN=0.0.0.0 \
    PEMBINA_WEBHOOK_PORT=8080
EXPOSE 8080

# /readyz: the database answers and no migration is pending.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=4)"]

# A webhook worker. PEMBINA_WEBHOOK_URL is the public https:// URL Telegram posts to (read
# here, by the shell, not by pembina); `exec` makes pembina PID 1, so SIGTERM from
# `docker stop` lets it finish the updates in hand.
CMD ["sh", "-c", "exec pembina run --webhook \"${PEMBINA_WEBHOOK_URL:?set PEMBINA_WEBHOOK_URL to the public https URL}\""]
