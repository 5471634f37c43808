# syntax=docker/dockerfile:1
# One image for every service; the argument picks which one runs:
#   docker run IMAGE ingest|search|matcher   (distributed shape, configured by JOBMATCH_* variables)
#   docker run IMAGE                         (embedded shape; mount a volume on /var/lib/jobmatch to keep data)

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# The dependencies first, exactly as the lock pins them (hashes checked), in a layer
# that only a change of the lock rebuilds.
COPY requirements.lock ./
RUN python -m venv /opt/jobmatch \
 && /opt/jobmatch/bin/pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
# The project itself, resolving nothing again; pip check fails the build if pyproject.toml
# asks for something the lock lacks. The virtualenv is copied whole into the runtime stage,
# so pip, setuptools and whatever build backends the source distributions pulled in stay
# behind here.
RUN /opt/jobmatch/bin/pip install --no-deps . \
 && /opt/jobmatch/bin/pip check \
 && /opt/jobmatch/bin/pip uninstall --yes setuptools pip

FROM python:3.11-slim
ENV PATH=/opt/jobmatch/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    JOBMATCH_HOST=0.0.0.0 \
    JOBMATCH_DATA_DIR=/var/lib/jobmatch
# A fixed numeric id, so Kubernetes can verify runAsNonRoot without a runAsUser of its own.
RUN groupadd --system --gid 10001 jobmatch \
 && useradd --system --uid 10001 --gid jobmatch --no-create-home --home-dir /var/lib/jobmatch \
        --shell /usr/sbin/nologin jobmatch \
 && install --directory --owner=jobmatch --group=jobmatch /var/lib/jobmatch
COPY --from=build /opt/jobmatch /opt/jobmatch
USER 10001:10001
WORKDIR /var/lib/jobmatch
EXPOSE 8000
# Liveness only; compose and Kubernetes ask /readyz themselves where readiness matters.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('JOBMATCH_PORT', '8000') + '/healthz', timeout=4)"]
ENTRYPOINT ["jobmatch"]
CMD ["embedded"]
