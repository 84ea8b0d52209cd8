import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What loading the app made (~160,000 objects: modules, models, URL patterns, serializers)
# lives as long as the process. Out of the collector's sight, a full collection no longer
# walks it: 75 ms → under 1 ms, a pause that stalled every thread of a worker mid-request.
gc.freeze()
