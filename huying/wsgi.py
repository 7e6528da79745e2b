import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
application = get_wsgi_application()

from huying.core.checks import refuse_public_secret_key  # noqa: E402  (needs settings)

refuse_public_secret_key()

# Import the URL configuration (every view, the API and its schemas: ≈ 1.3 s) now, while the
# worker starts, rather than in its first requests: the 统计 page's parallel chart calls all
# waited behind that import in a fresh gunicorn worker (docs/performance.md §10).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018

# The tokenizer's dictionary too (search, triage, 疑似重复 all cut words): gunicorn imports
# this module once in its master (preload_app), so its workers share the pages
# (docs/performance.md §21).
from huying.core.text import warm_up  # noqa: E402

warm_up()
