# The studio in a container: one replica, served on port 8501 with the repo's own
# .streamlit/config.toml. Several replicas go behind nginx with sticky sessions
# (docker-compose.yml, deploy/nginx.conf; README.md, "Deploying for a class").
#
#   docker build -t studio .
#   docker run --rm -p 8501:8501 studio
#   docker run --rm --network host -e STREAMLIT_SERVER_ADDRESS=127.0.0.1 \
#       -e STREAMLIT_SERVER_PORT=8502 studio          # another address or port
#
# Built and run here with podman and a base image made from Debian's packages:
# deploy/podman_image.sh.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # matplotlib's font cache (the run's GIF), built into the image below: the app's user has
    # no home to write it in.
    MPLCONFIGDIR=/opt/matplotlib \
    # One BLAS thread per replica: the app's work is many small matrices, and replicas (or
    # other containers) on the same cores must not fight over them.
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    # The training kernel's compiled code (engine/compiled.py), built into the image below.
    NUMBA_CACHE_DIR=/app/.numba-cache \
    # Where the replica listens. Environment variables rather than flags in CMD, so that
    # `docker run -e` and docker-compose.yml can give each replica its own port (Streamlit
    # reads them over .streamlit/config.toml; flags would override them).
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501

WORKDIR /app

# Dependencies first, so that a change of the code does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The project itself (editable: the code stays in /app), so `app` and `engine` import
# whatever the working directory.
RUN pip install --no-deps -e .

# Not root: the app writes nothing but its own logs (and numba its cache, compiled here
# so that no replica spends seconds compiling at its first Play).
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin studio \
    && python -c "from engine import compiled; compiled.warm_up()" \
    && python -c "import matplotlib.font_manager" \
    && chown -R studio "$NUMBA_CACHE_DIR" "$MPLCONFIGDIR"
USER studio

EXPOSE 8501

# Streamlit answers "ok" on /_stcore/health once it serves. The image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/_stcore/health' % os.environ['STREAMLIT_SERVER_PORT']; sys.exit(0 if urllib.request.urlopen(url, timeout=4).read() == b'ok' else 1)"]

# The working directory holds .streamlit/config.toml (XSRF on, 1 MB uploads, no usage
# statistics, no file watcher, postScriptGC off); the address and port are set above.
CMD ["python", "-m", "streamlit", "run", "app/streamlit_app.py"]
