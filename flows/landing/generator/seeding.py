"""Seeded randomness: every random value derives from the seed, never the clock."""

import hashlib
import random
import uuid


def seeded_rng(*parts: object) -> random.Random:
    """A generator of its own for one purpose, e.g. (seed, "order", order_id)."""
    return random.Random(":".join(str(part) for part in parts))


def new_id(rng: random.Random) -> str:
    """A lowercase version-4 UUID drawn from `rng`."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def unit_interval(*parts: object) -> float:
    """A uniform value in [0, 1) fixed by `parts`; cheaper than seeding a generator."""
    key = ":".join(str(part) for part in parts).encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
