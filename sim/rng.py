"""Randomness enters through this module only (DESIGN §6, STYLE rule 5).

A scenario seed and a replicate index give one :class:`numpy.random.SeedSequence`; each mechanism
draws from its own named child stream. Streams are keyed by name, not by creation order, so adding a
mechanism never shifts another mechanism's draws, and two scenarios run with the same seed share
their random numbers (common random numbers): their difference measures the lever, not the noise.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

#: The named streams. Mechanisms draw full-size arrays every step whether or not they use every
#: draw, so a lever that changes who acts does not shift the draws of anyone else.
STREAMS = ("world", "policy", "choice", "renewal", "rollout", "mesa")


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


class GumbelBlock:
    """Standard Gumbel draws for a block of agents, turned into variates only where used.

    ``Generator.gumbel`` turns each uniform ``x`` of ``Generator.random()`` into
    ``0 − log(−log(1 − x))`` with the C library's ``log``, drawing again when ``x`` is exactly 0
    (probability 2^−53). This block draws the same uniforms, in the same order and amount, and
    computes the variates of the rows asked for with :func:`math.log`, the same C function, so
    every variate equals what ``rng.gumbel(size=shape)`` for each block in turn would have given,
    bit for bit, and the stream ends where it would have. When few rows act (a tender is a few
    per cent of operators a quarter) this skips almost all of the logarithms. NumPy's vectorised
    ``log`` is not used: its SIMD version differs from the C library in the last bit for a few
    values in a thousand.

    Args:
        rng: the stream.
        shapes: names and shapes of the blocks, drawn in this order.
    """

    def __init__(self, rng: np.random.Generator, shapes: dict[str, tuple[int, ...]]) -> None:
        sizes = [math.prod(shape) for shape in shapes.values()]
        n = sum(sizes)
        u = rng.random(n)
        if not u.all():
            # Generator.gumbel would have skipped each zero and drawn again: the variates come
            # from the non-zero uniforms in order, continued from the stream as far as needed.
            kept = [u[u != 0]]
            missing = n - kept[0].size
            while missing:
                more = rng.random(missing)
                kept.append(more[more != 0])
                missing -= kept[-1].size
            u = np.concatenate(kept)
        self.uniforms = {}
        start = 0
        for (name, shape), size in zip(shapes.items(), sizes, strict=True):
            self.uniforms[name] = u[start:start + size].reshape(shape)
            start += size

    def rows(self, name: str, idx: np.ndarray) -> np.ndarray:
        """The Gumbel variates of block ``name`` for rows ``idx``."""
        u = self.uniforms[name][idx]
        # The C expression, step by step: U = 1 − x; loc − scale·log(−log U) with loc 0, scale 1
        # (subtraction and negation are exact in NumPy too; only log must be the C library's).
        log_u = np.fromiter(map(math.log, (1.0 - u).ravel().tolist()), float, u.size)
        g = np.fromiter(map(math.log, (-log_u).tolist()), float, u.size)
        return (0.0 - g).reshape(u.shape)
