"""The bench's practical ceiling: Huying's own settings (middleware, authentication,
database) with one more URL, a view that authenticates as the API does and writes one row."""

from huying.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare.urls"
