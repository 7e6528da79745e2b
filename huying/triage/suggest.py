"""The triage suggestion people see: the cold-start scorer (``catalogue.suggest``) blended,
item by item, with the active learned model.

An item the model has seen often is judged mostly by the model; a new item, or one with few
cases, mostly by its names and keywords — so a catalogue change is suggested from the first
day and the model takes over as the district's history grows:

    p(item) = w·p_model(item) + (1 − w)·p_cold(item),   w = n / (n + BLEND_EXAMPLES)

with n the item's training examples. The active model is read from the database once and
kept per process, re-checked every ``RECHECK_SECONDS`` (a newly activated model arrives in
every worker within that).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Sequence

from huying.catalogue.models import CatalogueItem
from huying.catalogue.selectors import current_items_cached, teach_catalogue_words
from huying.catalogue.suggest import TOP, Suggestion, confidences, score_items, suggestion
from huying.core.text import cut
from huying.triage.model import Model, explain, ranked
from huying.triage.models import ModelStatus, TriageModel

#: Examples at which an item's learned and cold-start probabilities weigh the same.
BLEND_EXAMPLES = 8
RECHECK_SECONDS = 60

_lock = threading.Lock()
_active: tuple[int | None, Model | None, float] = (None, None, 0.0)


def active_model() -> Model | None:
    """The active model, from the per-process copy while it is fresh."""
    return _active_version_and_model()[1]


def _active_version_and_model() -> tuple[int | None, Model | None]:
    global _active
    version, model, checked = _active
    if time.monotonic() - checked < RECHECK_SECONDS:
        return version, model
    with _lock:
        row = (
            TriageModel.objects.filter(status=ModelStatus.ACTIVE)
            .values_list("version", flat=True)
            .first()
        )
        if row is None:
            model = None
        elif row != version:
            data = TriageModel.objects.filter(version=row).values_list("data", flat=True)
            model = Model.from_bytes(bytes(data[0]))
        _active = (row, model, time.monotonic())
        return row, model


def forget_active() -> None:
    """Read the active model again at the next suggestion (after an activation)."""
    global _active
    _active = (None, None, 0.0)


def blend(
    title: str,
    description: str,
    items: Sequence[CatalogueItem],
    model: Model | None,
    *,
    top: int = TOP,
    learned: dict[str, float] | None = None,
    reasons: bool = True,
) -> Suggestion:
    """The blended ranking for ``items`` (the current catalogue's, normally). ``learned``:
    the model's probabilities for this text when a batch computed them already;
    ``reasons=False`` leaves out the model's why (a held-out check needs only the ranking)."""
    scored = score_items(title, description, items)
    cold = {s.item.pk: (p, s.why) for s, p in zip(scored, confidences(scored), strict=True)}
    if model is None:
        alone = [(s.item, cold[s.item.pk][0], s.why) for s in scored]
        return suggestion(alone[:top], title, description)
    text = f"{title}\n{description}"
    # Cut once, for the ranking and the why (a batch's held-out check needs neither).
    cuts = cut(text) if learned is None or reasons else None
    if learned is None:
        learned = dict(ranked(model, text, top=len(model.classes), cuts=cuts))
    rows: list[tuple[float, CatalogueItem, tuple[str, ...]]] = []
    for item in items:
        n = model.counts.get(item.code, 0)
        w = n / (n + BLEND_EXAMPLES)
        p_cold, why = cold.get(item.pk, (0.0, ()))
        p = w * learned.get(item.code, 0.0) + (1 - w) * p_cold
        if p > 0:
            rows.append((p, item, why))
    total = sum(p for p, _, _ in rows) or 1.0
    rows.sort(key=lambda r: (-r[0], r[1].pk))
    chosen = []
    codes = [item.code for _, item, _ in rows[:top]]
    learned_why = explain(model, text, codes, cuts=cuts) if reasons else {c: [] for c in codes}
    for p, item, why in rows[:top]:
        words = tuple(dict.fromkeys([*why, *learned_why[item.code]]))
        chosen.append((item, p / total, words[:4]))
    return suggestion(chosen, title, description)


def suggest(
    title: str, description: str = "", *, items: Sequence[CatalogueItem], top: int = TOP
) -> Suggestion:
    """The suggestion for a report: items best first with confidences and why, the level,
    the departments."""
    teach_catalogue_words()  # the words the model was trained with
    version, model = _active_version_and_model()
    result = blend(title, description, items, model, top=top)
    return dataclasses.replace(result, model=version if model is not None else None)


def suggest_current(title: str, description: str, district_id: int) -> Suggestion:
    """Over the district's current catalogue: what the triage form preselects and the trail
    records."""
    return suggest(title, description, items=current_items_cached(district_id))
