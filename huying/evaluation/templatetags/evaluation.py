"""Template tags of the evaluation pages: the local tab bar, and the 逆向评议 section that the
case page includes (so the cases app does not need to know about ratings)."""

from __future__ import annotations

from typing import Any

from django import template

from huying.cases.models import Case
from huying.evaluation import selectors

register = template.Library()


@register.inclusion_tag("evaluation/_tabs.html", takes_context=True)
def evaluation_tabs(context: dict[str, Any], tab: str = "") -> dict[str, Any]:
    """The evaluation pages the acting role may use, as tabs."""
    actor = context.get("actor")
    return {
        "tab": tab,
        "rates": actor is not None and selectors.rates(actor),
        "appeals": actor is not None and selectors.appeals(actor),
        "rules": actor is not None and selectors.rules_on_appeals(actor),
        "surveys": actor is not None and selectors.enters_surveys(actor),
    }


@register.simple_tag(takes_context=True)
def case_ratings(context: dict[str, Any], case: Case) -> dict[str, Any]:
    """The case's ratings the actor may see, and the departments the actor may still rate."""
    actor = context.get("actor")
    if actor is None:
        return {"ratings": [], "targets": []}
    return {
        "ratings": selectors.case_ratings(actor, case),
        "targets": selectors.rating_targets(actor, case),
    }
