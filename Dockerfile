# geoservice API and worker image.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 GEOSERVICE_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY geoservice ./geoservice
COPY layers ./layers
COPY processing ./processing
COPY maps ./maps
# the web-map assets are vendored package data (maps/static): no npm step; the build fails if one is missing
RUN pip install --no-cache-dir . \
 && cd / && python -c "from maps.assets import install_assets; import tempfile, pathlib; install_assets(pathlib.Path(tempfile.mkdtemp()))"
VOLUME /data
EXPOSE 8000
CMD ["geoservice", "serve", "--host", "0.0.0.0", "--port", "8000"]
