"""Training and suggesting at a district's scale: N cases of report texts drawn like the
demo's (huying.demo.texts, every item of the demo catalogue, every channel), then the
model fitted on them, stored and loaded back, then suggestions timed with the model.

    HUYING_DATA_DIR=DIR HUYING_DEMO=1 .venv/bin/python bench/triage_train.py [--cases 100000] [--items 100]

``--items N`` (more than the demo's 36) adds copies of the demo's items under new codes, each
taking half of its original's texts with two words of its own added (items a district keeps
apart read apart), so the model has N classes and the blend N items — the issue's size.

Needs a database with the demo catalogue current (``huying demo`` or ``--size small``) for
the suggestion timings; the training alone needs none.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")

import django

django.setup()

from huying.cases.models import Source  # noqa: E402
from huying.catalogue.models import CatalogueItem  # noqa: E402
from huying.catalogue.selectors import current_items, teach_catalogue_words  # noqa: E402
from huying.demo.district import CATALOGUE  # noqa: E402
from huying.demo.texts import report_text  # noqa: E402
from huying.triage.learn import fit_hashed, hashed  # noqa: E402
from huying.triage.model import Example, Model  # noqa: E402
from huying.triage.services import HOLD_OUT  # noqa: E402
from huying.triage.suggest import blend  # noqa: E402

ROADS = ("水井街", "东大街", "红星路", "滨江东路", "九眼桥", "双林路", "望平街")
#: Words that mark a copied item's texts as its own (see ``--items``).
WORDS = (
    "绿道",
    "井口",
    "台阶",
    "栏杆",
    "围墙",
    "水沟",
    "花台",
    "站牌",
    "车棚",
    "桥洞",
    "屋檐",
    "院坝",
)
SPOTS = ("小区门口", "公交站", "菜市场", "学校门口", "路口", "巷子里")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--items", type=int, default=0, help="pad the catalogue to N items")
    args = parser.parse_args()
    rng = random.Random(1)
    codes = [f"{c}{i:02d}" for c, _, specs in CATALOGUE for i in range(1, len(specs) + 1)]
    items = list(current_items(None))  # the demo has one district
    copies = _copies(items, args.items) if items and args.items > len(items) else {}
    marks = {
        clone: "，" + "".join(rng.choice(WORDS) for _ in range(2))
        for clones in copies.values()
        for clone in clones
    }
    sources = list(Source.values)
    started = time.perf_counter()
    examples = []
    for _ in range(args.cases):
        code = rng.choice(codes)
        title, description = report_text(
            code, rng.choice(sources), rng, rng.choice(ROADS), rng.choice(SPOTS)
        )
        label = code
        if copies.get(code) and rng.random() < 0.5:
            label = rng.choice(list(copies[code]))
            description += marks[label]  # another item reads otherwise: its own words
        examples.append(Example(f"{title}\n{description}", label))
    print(f"{args.cases} texts drawn in {time.perf_counter() - started:.1f} s")
    teach_catalogue_words()
    # As huying.triage.services.train fits: the texts hashed once, a fit on the older 80 %
    # (judged on the newest 20 %), then the fit on all that starts from its weights.
    started = time.perf_counter()
    texts = [e.text for e in examples]
    raw = hashed(texts)
    labels = [e.item for e in examples]
    hashing = time.perf_counter() - started
    cut = len(examples) - int(len(examples) * HOLD_OUT)
    started = time.perf_counter()
    candidate = fit_hashed(raw[:cut], labels[:cut])
    held_fit = time.perf_counter() - started
    guessed = [candidate.classes[i] for i in candidate.probabilities(texts[cut:]).argmax(axis=1)]
    top1 = sum(g == label for g, label in zip(guessed, labels[cut:], strict=True)) / len(guessed)
    started = time.perf_counter()
    model = fit_hashed(raw, labels, start=candidate)
    final_fit = time.perf_counter() - started
    data = model.to_bytes()
    started = time.perf_counter()
    Model.from_bytes(data)
    loaded = time.perf_counter() - started
    print(
        f"hashing {hashing:.1f} s + held-out fit {held_fit:.1f} s + final fit {final_fit:.1f} s"
        f" = {hashing + held_fit + final_fit:.1f} s; {len(model.columns)} features kept, "
        f"{len(model.classes)} items; held-out top-1 (model alone) {top1:.1%}; stored {len(data) / 1e6:.1f} MB, loaded in {loaded:.2f} s"
    )
    if not items:
        return
    items += [clone for clones in copies.values() for clone in clones.values()]
    times = []
    for _ in range(args.runs):
        e = rng.choice(examples)
        t = time.perf_counter()
        blend(e.text, "", items, model)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(
        f"suggestion over {len(items)} items with the model: p50 {statistics.median(times):.2f} ms, "
        f"p95 {times[int(0.95 * len(times))]:.2f} ms, max {times[-1]:.2f} ms"
    )


def _copies(items: list[CatalogueItem], wanted: int) -> dict[str, dict[str, CatalogueItem]]:
    """Unsaved copies of the items, round-robin, until there are ``wanted`` in all:
    {original code: {copy code: copy}}."""
    out: dict[str, dict[str, CatalogueItem]] = {item.code: {} for item in items}
    top = max(item.pk for item in items)
    for n in range(wanted - len(items)):
        original = items[n % len(items)]
        clone = copy.copy(original)
        clone.pk = clone.id = top + n + 1
        clone.code = f"{original.code}-{n // len(items) + 1}"
        out[original.code][clone.code] = clone
    return out


if __name__ == "__main__":
    main()
