"""The triage suggestion on a case: what the triage form preselects, what the 研判建议 panel
beside it shows, and what ``GET /api/v1/cases/{id}/suggestion`` answers.

The suggestion itself comes from ``hooks.suggestion`` (the learned model blended in when
huying.triage registered it; the catalogue's cold-start scorer otherwise). Here it is
computed once per request for a case's title and description, and turned into a prefill
that never overrules a person:

- the case's own item is kept (a reporter's guess, a split part's); otherwise the top item
  is preselected only when its confidence is at least ``SURE`` — below it nothing is
  preselected, and the panel still lists the candidates;
- the level is preselected, with the cues as the reason, only when the text's cues raise it
  above the item's default (the form's empty choice stands for the default otherwise), and
  never over a level the case already has;
- a bound form (a refused submit shown again) keeps what was sent: the prefill is for
  unbound forms only (``forms.TriageForm.preselect``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from huying.cases import hooks, rules
from huying.cases.models import Case
from huying.cases.selectors import case_get
from huying.catalogue.models import CatalogueItem, Level
from huying.catalogue.suggest import Suggestion, level_cues
from huying.core.errors import PermissionDenied
from huying.org.actors import Actor

#: The least confidence at which the top item is preselected.
SURE = 0.2

_CACHE = "_triage_suggestion"


@dataclass(frozen=True)
class Choice:
    """One item of the suggestion, as the panel offers it: choosing it (改选) brings its own
    default level, or the level the text's cues raise it to, with the cues as the reason."""

    item: CatalogueItem
    confidence: float
    why: tuple[str, ...]
    level: int
    level_reason: str  # empty when ``level`` is the item's default

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)

    @property
    def raised(self) -> bool:
        return self.level != self.item.default_level

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label)


@dataclass(frozen=True)
class Prefill:
    """What the triage form starts with; ``None``: the form's own empty choice."""

    item: CatalogueItem | None = None
    level: int | None = None
    level_reason: str = ""
    suggested: bool = False  # the item comes from the suggestion, not from the case

    def initial(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.item is not None:
            data["item_id"] = self.item.pk
        if self.level is not None:
            data["level"] = self.level
            data["level_reason"] = self.level_reason
        return data


@dataclass(frozen=True)
class CaseSuggestion:
    suggestion: Suggestion
    choices: list[Choice]
    prefill: Prefill

    @property
    def model(self) -> int | None:
        return self.suggestion.model

    @property
    def level_label(self) -> str:
        level = self.suggestion.level
        return str(Level(level).label) if level else ""

    @property
    def unsure(self) -> bool:
        """There are candidates but none sure enough to preselect (and the case has none)."""
        return bool(self.choices) and self.prefill.item is None


def cue_reason(cues: tuple[str, ...]) -> str:
    """The reason a raised level is prefilled with: the cues the text gave."""
    joined = pgettext("sentence separator", "；").join(str(c) for c in cues)
    return _("反映内容提示：{cues}").format(cues=joined)


def _choice(item: CatalogueItem, confidence: float, why: tuple[str, ...], cue: Any) -> Choice:
    cue_level, cues = cue
    level = item.default_level
    if cue_level is not None and cue_level > level:
        return Choice(item, confidence, why, cue_level, cue_reason(cues))
    return Choice(item, confidence, why, level, "")


def _choices(case: Case, suggestion: Suggestion) -> list[Choice]:
    cue = level_cues(case.title, case.description)
    out = []
    for n, s in enumerate(suggestion.items):
        if n == 0 and suggestion.level is not None:
            # The top item's level is the suggestion's own (what the trail records).
            level = max(suggestion.level, s.item.default_level)
            reason = cue_reason(suggestion.level_why) if level > s.item.default_level else ""
            out.append(Choice(s.item, s.confidence, s.why, level, reason))
        else:
            out.append(_choice(s.item, s.confidence, s.why, cue))
    return out


def _prefill(case: Case, choices: list[Choice]) -> Prefill:
    if case.item_id:
        item = case.item
        assert item is not None
        mine = next((c for c in choices if c.item.pk == item.pk), None)
        choice = mine or _choice(item, 0.0, (), level_cues(case.title, case.description))
        suggested = False
    elif choices and choices[0].confidence >= SURE:
        choice, suggested = choices[0], True
    else:
        return Prefill()
    if case.level is not None or not choice.raised:
        return Prefill(choice.item, suggested=suggested)
    return Prefill(choice.item, choice.level, choice.level_reason, suggested)


def for_case(case: Case) -> CaseSuggestion:
    """The suggestion for the case's text, computed once per case object (a request's)."""
    key = (case.title, case.description, case.item_id, case.level)
    cached = case.__dict__.get(_CACHE)
    if cached is not None and cached[0] == key:
        return cached[1]
    suggestion = hooks.case_suggestion(case)
    choices = _choices(case, suggestion)
    result = CaseSuggestion(suggestion, choices, _prefill(case, choices))
    case.__dict__[_CACHE] = (key, result)
    return result


def of_case(actor: Actor, *, case_id: int) -> CaseSuggestion:
    """The suggestion for a case the actor may see (404 otherwise); staff only: a resident
    follows a report's progress, not its triage."""
    if actor.is_reporter:
        raise PermissionDenied(_("当前角色不能查看研判建议"))
    return for_case(case_get(actor, case_id=case_id))


def offered_actions(
    case: Case, role: str
) -> tuple[list[rules.Rule | rules.Combined], CaseSuggestion | None]:
    """What the role may do on the case now, the combined actions (研判并呼叫, 研判并派单)
    first — offered for the item and level the triage form preselects — and the suggestion
    when the role may triage it (None otherwise). The page and the API list the same."""
    on_case = rules.offered_on_case(case, role)
    shown = for_case(case) if any(r.action == "triage" for r in on_case) else None
    prefill = shown.prefill if shown is not None else Prefill()
    combined = rules.offered_combined(case, role, item=prefill.item, level=prefill.level)
    return [*combined, *on_case], shown


def as_data(suggestion: Suggestion) -> dict[str, Any]:
    """A suggestion as the API answers it (``SuggestedOut``)."""
    return {
        "items": [
            {
                "item_id": s.item.pk,
                "code": s.item.code,
                "name": s.item.name,
                "confidence": s.confidence,
                "why": list(s.why),
            }
            for s in suggestion.items
        ],
        "level": suggestion.level,
        "level_label": str(Level(suggestion.level).label) if suggestion.level else "",
        "level_why": [str(w) for w in suggestion.level_why],
        "lead": suggestion.lead,
        "co": suggestion.co,
        "model": suggestion.model,
    }
