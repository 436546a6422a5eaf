# The save-offer decision service. OPA comes from the official image, pinned to
# the version scripts/install-tools.sh builds for local runs and tests.
FROM openpolicyagent/opa:1.22.2-static AS opa

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY --from=opa /opa /usr/local/bin/opa

# openssl makes the development key pair that signs policy releases when no key is configured (app/policy/keys.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends openssl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/app

# Dependencies first (pinned in pyproject.toml, no test extras), so code changes reuse this layer.
COPY pyproject.toml /tmp/src/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/src/pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The app package itself, installed non-editable into site-packages. The wheel carries
# app/migrations/env.py and versions/*.py (setuptools finds them as namespace packages),
# which is all `upgrade to head` at start-up needs; alembic.ini is only for runs by hand.
COPY app /tmp/src/app
RUN pip install --no-deps /tmp/src && rm -rf /tmp/src

# Data the installed package reads by path (POLICY_DIR, SEED_DIRECTORY_FILE below / in compose).
COPY policies ./policies
COPY seeds ./seeds
COPY examples ./examples
# The start script: checks the settings (WORKERS > 1 needs PostgreSQL), and with several workers migrates
# and seeds once before starting them. SERVE_IN_IMAGE below: it installs nothing and seeds no demo directory.
COPY scripts/serve.sh ./scripts/serve.sh

RUN useradd --system --uid 10001 --home-dir /srv/app save-offers \
    && mkdir -p /srv/app/var \
    && chown -R save-offers /srv/app/var

USER save-offers

# The installed package's own defaults point inside site-packages, so every path
# setting is set here (var/ holds the decision log, releases, the bundle location and development keys);
# compose and real deployments set DATABASE_URL and OPA_URL
# (and WORKERS, the number of Uvicorn worker processes: more than 1 needs PostgreSQL).
ENV OPA_BINARY=/usr/local/bin/opa \
    POLICY_DIR=/srv/app/policies \
    BUNDLE_DIR=/srv/app/var/bundle \
    RELEASE_DIR=/srv/app/var/releases \
    RELEASE_KEY_DIR=/srv/app/var/keys \
    DATABASE_URL=sqlite:////srv/app/var/save-offers.db \
    SERVE_IN_IMAGE=1 \
    HOST=0.0.0.0 \
    PORT=8000

EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"

# exec's `uvicorn app.main:app --host $HOST --port $PORT --workers $WORKERS --no-access-log`, so Uvicorn gets the signals.
CMD ["bash", "scripts/serve.sh"]
