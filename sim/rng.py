"""Randomness enters through this module only (DESIGN §6, STYLE rule 5).

A scenario seed and a replicate index give one :class:`numpy.random.SeedSequence`; each mechanism
draws from its own named child stream. Streams are keyed by name, not by creation order, so adding a
mechanism never shifts another mechanism's draws, and two scenarios run with the same seed share
their random numbers (common random numbers): their difference measures the lever, not the noise.
"""

from __future__ import annotations

import zlib

import numpy as np

#: The named streams. Mechanisms draw full-size arrays every step whether or not they use every
#: draw, so a lever that changes who acts does not shift the draws of anyone else.
STREAMS = ("world", "policy", "choice", "renewal", "rollout", "mesa", "firms")


def replicate_seeds(seed: int, replications: int) -> list[int]:
    """Seeds of ``replications`` replicates, spawned from one SeedSequence.

    The i-th seed depends only on ``seed`` and ``i``, never on how many replicates run or where.

    Args:
        seed: the scenario's seed.
        replications: number of replicates.

    Returns:
        A list of 63-bit integer seeds.
    """
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint64)[0]) >> 1 for c in children]


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of one named stream for one replicate seed.

    Args:
        seed: a replicate seed from :func:`replicate_seeds`.
        name: one of :data:`STREAMS`.
    """
    if name not in STREAMS:
        raise ValueError(f"unknown random stream {name!r}; known: {', '.join(STREAMS)}")
    key = zlib.crc32(name.encode())  # stable across Python runs, unlike hash()
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def streams(seed: int) -> dict[str, np.random.Generator]:
    """All named streams of one replicate."""
    return {name: stream(seed, name) for name in STREAMS}
