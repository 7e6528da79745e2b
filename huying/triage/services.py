"""Training the learned suggestion from the district's own cases, and choosing which model
is active.

A labelled example is a case whose item was set at triage and kept: every case past 待研判
with an item, except those that ended as duplicates, refusals or split reports (their item,
if any, was never confirmed by handling). The item on the case is the one it was handled
under, so an item changed after triage teaches the corrected one.

A new model is judged on the newest examples (the held-out share, which an older model has
mostly not seen either) against the active model on the very same examples. It becomes
active only if it is not worse; otherwise it is kept as 未启用 with both scores, and the
log and the models page say so. The saved model is then refitted on every example, so the
newest cases teach it too; its recorded scores are those of the held-out fit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from huying.cases.models import Case, CaseState
from huying.catalogue.models import CatalogueItem
from huying.catalogue.selectors import current_items, teach_catalogue_words
from huying.core.errors import Conflict, InvalidInput
from huying.triage.model import Example, Model
from huying.triage.models import ModelStatus, TriageModel
from huying.triage.suggest import active_model, blend, forget_active

logger = logging.getLogger(__name__)

#: Share of the newest examples held out to judge a new model.
HOLD_OUT = 0.2
#: At most this many held-out examples are scored (each is a full suggestion).
HOLD_OUT_CAP = 3000
#: Below this many labelled cases there is nothing to learn from: the cold start serves.
MIN_EXAMPLES = 50
#: A new model may score this much lower on top-1 and still replace the active one
#: (the held-out set changes between trainings; noise is not a regression).
TOLERANCE = 0.005

UNLABELLED = (CaseState.SUBMITTED, CaseState.REJECTED, CaseState.MERGED, CaseState.SPLIT)


def labelled_examples() -> list[Example]:
    """Every labelled case, oldest first."""
    rows = (
        Case.objects.filter(item__isnull=False)
        .exclude(state__in=UNLABELLED)
        .order_by("reported_at", "pk")
        .values_list("title", "description", "item__code", "level", "source")
    )
    return [
        Example(f"{title}\n{description}", code, level or 0, source)
        for title, description, code, level, source in rows.iterator(chunk_size=5000)
    ]


@dataclass(frozen=True)
class Scores:
    n: int
    top1: float
    top3: float
    level: float


def held_out_scores(
    model: Model | None, examples: Sequence[Example], items: Sequence[CatalogueItem]
) -> Scores:
    """The blended suggestion's accuracy on ``examples`` with ``model``."""
    top1 = top3 = level = 0
    batch = model.probabilities([e.text for e in examples]) if model and examples else None
    for i, example in enumerate(examples):
        learned = None
        if batch is not None and model is not None:
            learned = dict(zip(model.classes, map(float, batch[i]), strict=True))
        result = blend(example.text, "", items, model, top=3, learned=learned, reasons=False)
        codes = [s.item.code for s in result.items]
        top1 += bool(codes) and codes[0] == example.item
        top3 += example.item in codes
        level += result.level == example.level
    n = len(examples) or 1
    return Scores(len(examples), top1 / n, top3 / n, level / n)


def train(*, now: datetime, force: bool = False) -> TriageModel:
    """Train a new model version; activate it unless it is worse than the active one on the
    same held-out cases (``force``: activate it anyway)."""
    # Here, not at the top: scikit-learn and scipy stay out of the web processes, which
    # import this module (through the task that calls it) but never train.
    from huying.triage.learn import fit_hashed, hashed

    started = time.monotonic()
    teach_catalogue_words()
    examples = labelled_examples()
    if len(examples) < MIN_EXAMPLES or len({e.item for e in examples}) < 2:
        raise InvalidInput(
            _("已研判的事件太少（%(n)d 件，至少 %(min)d 件、两个事项），暂用冷启动建议")
            % {"n": len(examples), "min": MIN_EXAMPLES}
        )
    cut = len(examples) - max(1, int(len(examples) * HOLD_OUT))
    held = examples[cut:][-HOLD_OUT_CAP:]
    # One model for the installation: held-out cases are scored against every district's
    # current items (a district's cases name its items' codes).
    items = list(current_items(None))
    raw = hashed([e.text for e in examples])
    labels = [e.item for e in examples]
    candidate = fit_hashed(raw[:cut], labels[:cut])
    scores = held_out_scores(candidate, held, items)
    rival = active_model()
    rival_scores = held_out_scores(rival, held, items) if rival is not None else None
    final = fit_hashed(raw, labels, start=candidate)
    better = rival_scores is None or scores.top1 >= rival_scores.top1 - TOLERANCE
    status = ModelStatus.ACTIVE if better or force else ModelStatus.HELD
    note = ""
    if rival_scores is not None and not better:
        note = _("留出集首位准确率 %(new).1f%% 低于现用模型的 %(old).1f%%") % {
            "new": 100 * scores.top1,
            "old": 100 * rival_scores.top1,
        }
        if force:
            note += _("；已按要求强制启用")
    try:
        with transaction.atomic():
            version = (TriageModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
            if status == ModelStatus.ACTIVE:
                TriageModel.objects.filter(status=ModelStatus.ACTIVE).update(
                    status=ModelStatus.RETIRED
                )
            row = TriageModel.objects.create(
                version=version,
                trained_at=now,
                seconds=round(time.monotonic() - started, 1),
                examples=len(examples),
                held_out=scores.n,
                items=len(final.classes),
                top1=scores.top1,
                top3=scores.top3,
                level_accuracy=scores.level,
                rival_top1=rival_scores.top1 if rival_scores else None,
                status=status,
                note=note[:300],
                data=final.to_bytes(),
            )
    except IntegrityError as exc:  # another training saved the same version or activation
        raise Conflict(_("另一次训练正在保存模型，请稍后重试")) from exc
    forget_active()
    log = logger.info if status == ModelStatus.ACTIVE else logger.warning
    log(
        "triage model v%s %s: %s examples, held-out top-1 %.3f (active %s)%s",
        row.version,
        status,
        row.examples,
        scores.top1,
        f"{rival_scores.top1:.3f}" if rival_scores else "none",
        f" — {note}" if note else "",
    )
    return row


def activate(*, version: int) -> TriageModel:
    """Make a kept model the active one (a person's decision, after reading the scores)."""
    with transaction.atomic():
        row = TriageModel.objects.select_for_update().filter(version=version).first()
        if row is None:
            raise InvalidInput(_("没有第 %(v)d 版模型") % {"v": version})
        TriageModel.objects.filter(status=ModelStatus.ACTIVE).exclude(pk=row.pk).update(
            status=ModelStatus.RETIRED
        )
        row.status = ModelStatus.ACTIVE
        row.save(update_fields=["status"])
    forget_active()
    return row
