"""Every write of the evaluation app: ratings and appeals (on the case trail), the streets'
annual reviews and the public survey (in the change log)."""

from huying.evaluation.services.annual import annual_review_set
from huying.evaluation.services.ratings import (
    rating_appeal,
    rating_correct,
    rating_create,
    rating_rule_appeal,
)
from huying.evaluation.services.survey import survey_form_enter, survey_import

__all__ = [
    "annual_review_set",
    "rating_appeal",
    "rating_correct",
    "rating_create",
    "rating_rule_appeal",
    "survey_form_enter",
    "survey_import",
]
