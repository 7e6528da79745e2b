"""The password hasher: Argon2id with parameters chosen for a small, busy server.

Django's default PBKDF2 (1,000,000 SHA-256 rounds in 5.2) took 0.24 s of CPU per sign-in
on this 2-core machine, 2–6 s when sign-ins queued behind each other and the workers. Argon2id
at OWASP's first recommended setting — 19 MiB of memory, 2 passes, 1 lane — costs about
0.02 s, and its strength comes from the memory each guess needs (which GPUs and ASICs pay
for dearly), not from time alone: OWASP rates it at least as strong as PBKDF2 at 600,000
rounds. One lane, because a second would only contend with the other requests on 2 cores.
Figures and the command that measures them: docs/performance.md, ``bench/login.py``.

Hashes made with other parameters (Django's own Argon2 defaults, PBKDF2) still verify, and
are rewritten with these at their owner's next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
