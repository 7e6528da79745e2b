"""Operations, the top layer: what keeps Huying up rather than what it does.

The worker and its schedule (it enqueues every app's periodic jobs, so it sits above all of
them), the health endpoint, the 500 page and the request-id log filter.
"""
