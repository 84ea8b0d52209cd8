# One image for web, worker and beat (compose.yaml picks the command).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY sellers ./sellers
COPY scheduling ./scheduling
COPY routing ./routing
COPY bookings ./bookings
COPY waitlist ./waitlist
COPY integrations ./integrations
RUN pip install .
COPY manage.py ./
COPY deploy ./deploy
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# collectstatic needs settings that import without production secrets.
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only EMAIL_URL=dummymail:// \
    FIELD_ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    python manage.py collectstatic --noinput --verbosity 0 \
    && python manage.py compilemessages \
    && chown -R app:app /app

USER app
EXPOSE 8000
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
