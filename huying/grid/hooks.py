"""What the apps above grid plug into it.

They may import grid; grid may not import them (``huying/core/tests/test_layers.py``).

- 街长制 (roads): who may walk with a street chief as his grid worker (三陪同) — the grid
  workers of the road segments he answers for. Until roads registers, a chief has none.
"""

from __future__ import annotations

from collections.abc import Callable

#: A street chief's user id → the user ids of the grid workers on his segments.
ChiefGridWorkers = Callable[[int], set[int]]

_chief_grid_workers: ChiefGridWorkers | None = None


def register_chief_grid_workers(find: ChiefGridWorkers) -> None:
    global _chief_grid_workers
    _chief_grid_workers = find


def chief_grid_workers(chief_id: int) -> set[int]:
    return _chief_grid_workers(chief_id) if _chief_grid_workers is not None else set()
