# The studio in a container: one replica, served on port 8501 with the repo's own
# .streamlit/config.toml. Several replicas go behind nginx with sticky sessions
# (deploy/nginx.conf; README.md, "Deployment").
#
#   docker build -t studio .
#   docker run --rm -p 8501:8501 studio
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # One BLAS thread per replica: the app's work is many small matrices, and replicas (or
    # other containers) on the same cores must not fight over them.
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    # The training kernel's compiled code (engine/kernels.py), built into the image below.
    NUMBA_CACHE_DIR=/app/.numba-cache

WORKDIR /app

# Dependencies first, so that a change of the code does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Not root: the app writes nothing but its own logs (and numba its cache, compiled here
# so that no replica spends seconds compiling at its first Play).
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin studio \
    && python -c "from engine import kernels; kernels.warm_up()" \
    && chown -R studio "$NUMBA_CACHE_DIR"
USER studio

EXPOSE 8501

# Streamlit answers "ok" on /_stcore/health once it serves. The image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() == b'ok' else 1)"]

# The working directory holds .streamlit/config.toml (XSRF on, 1 MB uploads, no usage
# statistics, no file watcher, postScriptGC off); only the address and port are set here.
CMD ["python", "-m", "streamlit", "run", "app/streamlit_app.py", \
     "--server.address=0.0.0.0", "--server.port=8501"]
