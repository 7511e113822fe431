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
from techbloc.sim import kernels

#: The named streams. Mechanisms draw full-size arrays every step whether or not they use every
#: draw, so a lever that changes who acts does not shift the draws of anyone else.
STREAMS = ("world", "policy", "choice", "renewal", "rollout", "mesa", "firms", "disposition",
           "posterior", "escalation", "ban_form")


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
    """The uniforms of standard Gumbel draws for blocks of agents, kept only for the rows used.

    ``Generator.gumbel`` turns each uniform ``x`` of ``Generator.random()`` into ``0 −
    log(−log(1 − x))`` with the C library's ``log``, drawing again when ``x`` is exactly 0
    (probability 2^−53). This class draws the same uniforms, in the same order and amount, keeps
    those of the rows asked for (:attr:`uniforms`, where kept row j is row ``index[j]``: with
    few uniforms every row is kept as a view, with many only the rows asked for); the variates
    are computed from them with the same C function where they are used
    (:func:`sim.kernels.gumbel`, the model's kernels), so every variate equals what
    ``rng.gumbel(size=shape)`` for each block in turn would have given, bit for bit, and the
    stream ends where it would have. When few rows act (a tender is a few per cent of operators
    a quarter) this skips almost all of the logarithms, and the uniforms are drawn in chunks, so
    a million agents never need a full-size array. NumPy's vectorised ``log`` is not used: its
    SIMD version differs from the C library in the last bit for a few values in a thousand.

    Args:
        rng: the stream.
        shapes: names and shapes of the blocks, drawn in this order; the first axis is the row.
        rows: the rows to keep (increasing indices along the first axis); all by default.
        chunk: uniforms drawn at a time.
    """

    def __init__(self, rng: np.random.Generator, shapes: dict[str, tuple[int, ...]],
                 rows: np.ndarray | None = None, chunk: int = 1 << 20) -> None:
        sizes = [math.prod(shape) for shape in shapes.values()]
        n = sum(sizes)
        self.uniforms: dict[str, np.ndarray] = {}
        if n <= chunk:  # one draw; keep the rows asked for
            u = rng.random(n)
            if u.min() == 0.0:
                u = np.concatenate([u[u != 0.0], *_nonzero_uniforms(rng, n - np.count_nonzero(u),
                                                                    chunk)])
            start = 0
            for (name, shape), size in zip(shapes.items(), sizes, strict=True):
                self.uniforms[name] = u[start:start + size].reshape(shape)  # every row: a view
                start += size
            self.index = _all_rows(shapes) if rows is None else np.asarray(rows, dtype=np.int64)
            return
        widths = [size // shape[0] if shape[0] else 0
                  for shape, size in zip(shapes.values(), sizes, strict=True)]
        # Many agents: draw in chunks, keeping only the stream positions of the rows asked for.
        keep, start = [], 0
        for shape, width, size in zip(shapes.values(), widths, sizes, strict=True):
            r = np.arange(shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
            keep.append((start + r[:, None] * width + np.arange(width)).ravel())
            start += size
        positions = np.concatenate(keep)
        values = np.empty(positions.size)
        done = k = 0  # uniforms drawn so far (zeros excluded); positions filled so far
        for u in _nonzero_uniforms(rng, n, chunk):
            hi = int(np.searchsorted(positions, done + u.size))
            values[k:hi] = u[positions[k:hi] - done]
            k, done = hi, done + u.size
        start = 0
        for (name, shape), part in zip(shapes.items(), keep, strict=True):
            self.uniforms[name] = values[start:start + part.size].reshape(-1, *shape[1:])
            start += part.size
        self.index = np.arange(self.uniforms[next(iter(shapes))].shape[0])

    def rows(self, name: str, idx: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """The Gumbel variates of block ``name`` for kept rows ``idx`` (positions among them).

        With ``cols``, only the cells (idx[i], cols[i]), shape (len(idx),). The variates are
        computed with the C library's log (:func:`sim.kernels.gumbel`), as ``Generator.gumbel``
        does; the model's kernels compute them the same way from :attr:`uniforms`.
        """
        u, at = self.uniforms[name], self.index[idx]
        return kernels.gumbel(np.ascontiguousarray(u[at] if cols is None else u[at, cols]))


def _all_rows(shapes: dict[str, tuple[int, ...]]) -> np.ndarray:
    """Row indices 0..N−1, N the longest first axis of the blocks (every row is kept)."""
    return np.arange(max(shape[0] for shape in shapes.values()))


def uniforms_then_logistic(rng: np.random.Generator, n_uniform: int,
                           n_logistic: int) -> tuple[np.ndarray, np.ndarray]:
    """``rng.random(n_uniform)``, then the uniforms ``rng.logistic(size=n_logistic)`` would use.

    ``Generator.logistic`` takes the non-zero uniforms U of the stream and returns
    loc + scale·log(U/(1 − U)) (:func:`sim.kernels.enterprise_step` computes that where it is
    needed). Both are drawn in one call, topped up from the stream if an exact 0 (probability
    2^−53) must be skipped, so the values and the stream's end are those of the two calls.

    Returns:
        (the uniforms, the logistic draws' uniforms).
    """
    u = rng.random(n_uniform + n_logistic)
    first, rest = u[:n_uniform], u[n_uniform:]
    if n_logistic and rest.min() == 0.0:
        rest = np.concatenate([rest[rest != 0.0], *_nonzero_uniforms(
            rng, n_logistic - np.count_nonzero(rest), max(n_logistic, 1))])
    return first, rest


def _nonzero_uniforms(rng: np.random.Generator, n: int, chunk: int):
    """Yield ``n`` non-zero uniforms of ``rng`` in order, in chunks: what Generator.gumbel uses.

    Generator.gumbel draws again for a uniform of exactly 0, so its variates come from the
    non-zero uniforms, continued from the stream as far as needed.
    """
    done = 0
    while done < n:
        u = rng.random(min(chunk, n - done))
        if u.min() == 0.0:
            u = u[u != 0.0]
        done += u.size
        yield u
