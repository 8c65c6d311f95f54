# The production image: gunicorn for the web, the same image for Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 app

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY crm ./crm
COPY qualification ./qualification
RUN pip install --no-cache-dir -c constraints.txt ".[host]"

COPY . .
# Translations and static files are built into the image, as a deployment would.
# The key below only lets settings load during the build; it never runs a server.
RUN DJANGO_SECRET_KEY=build-only-key-never-used-to-serve-requests-0123456789abcdef \
      python manage.py compilemessages --ignore .venv \
    && DJANGO_SECRET_KEY=build-only-key-never-used-to-serve-requests-0123456789abcdef \
      python manage.py collectstatic --noinput

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
