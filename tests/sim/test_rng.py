"""Named streams, and Gumbel draws made only where used but equal to Generator.gumbel's."""

import math

import numpy as np
import pytest
from techbloc.sim.rng import GumbelBlock, stream

SHAPES = {"alt1": (300, 5), "nest1": (300, 2), "alt2": (300, 5), "nest2": (300, 2)}


@pytest.mark.parametrize("chunk", [1, 7, 1000, 1 << 20])
def test_gumbel_block_equals_generator_gumbel_bit_for_bit(chunk):
    rows = np.sort(np.random.default_rng(0).choice(300, 40, replace=False))
    ours, ref = stream(11, "choice"), stream(11, "choice")
    block = GumbelBlock(ours, SHAPES, rows, chunk=chunk)
    for name, shape in SHAPES.items():
        full = ref.gumbel(size=shape)
        got = block.rows(name, np.arange(rows.size))
        assert np.array_equal(got, full[rows]), f"{name}: variates differ from rng.gumbel"
    assert ours.random() == ref.random(), "the stream must end where rng.gumbel leaves it"


def test_gumbel_block_cells_and_all_rows():
    ours, ref = stream(3, "choice"), stream(3, "choice")
    block = GumbelBlock(ours, {"a": (20, 5)})
    full = ref.gumbel(size=(20, 5))
    r, c = np.array([0, 3, 3, 19]), np.array([4, 0, 2, 1])
    assert np.array_equal(block.rows("a", r, c), full[r, c])
    assert np.array_equal(block.rows("a", np.arange(20)), full)


def test_gumbel_block_with_no_rows_still_advances_the_stream():
    ours, ref = stream(5, "choice"), stream(5, "choice")
    GumbelBlock(ours, SHAPES, np.arange(0))
    for shape in SHAPES.values():
        ref.gumbel(size=shape)
    assert ours.random() == ref.random()


class _Scripted:
    """Uniforms from a list: the only way to reach the 2^-53 case x = 0 on purpose."""

    def __init__(self, values):
        self.values = list(values)

    def random(self, n):
        out, self.values = self.values[:n], self.values[n:]
        return np.array(out)


@pytest.mark.parametrize("chunk", [3, 1 << 20])
def test_a_zero_uniform_is_skipped_as_generator_gumbel_does(chunk):
    # Generator.gumbel: U = 1 - x, draw again if U == 1 (x == 0); variate -log(-log U).
    script = [0.25, 0.0, 0.5, 0.75, 0.0, 0.0, 0.125, 0.9, 0.3]
    src = _Scripted(script)
    block = GumbelBlock(src, {"a": (2, 2), "b": (1, 1)}, chunk=chunk)
    kept = [x for x in script if x != 0.0][:5]
    expect = [0.0 - math.log(-math.log(1.0 - x)) for x in kept]
    assert block.rows("a", np.arange(2)).ravel().tolist() == expect[:4]
    assert block.rows("b", np.arange(1)).ravel().tolist() == expect[4:]
    assert src.values == [0.3], "exactly the uniforms up to the fifth non-zero one are used"


def test_logistic_uniforms_skip_a_zero_as_generator_logistic_does():
    from techbloc.sim.rng import uniforms_then_logistic

    # Generator.logistic draws again while U <= 0; the plain uniforms keep their zeros.
    src = _Scripted([0.0, 0.5, 0.25, 0.0, 0.75, 0.0, 0.6, 0.9])
    first, rest = uniforms_then_logistic(src, 2, 3)
    assert first.tolist() == [0.0, 0.5]
    assert rest.tolist() == [0.25, 0.75, 0.6]
    assert src.values == [0.9], "exactly the uniforms up to the third non-zero one are used"
    ours, ref = stream(6, "firms"), stream(6, "firms")
    first, rest = uniforms_then_logistic(ours, 40, 30)
    assert np.array_equal(first, ref.random(40))
    variates = [0.0 + 1.0 * math.log(u / (1.0 - u)) for u in rest.tolist()]  # the C library's log
    assert variates == ref.logistic(0.0, 1.0, 30).tolist()
    assert ours.random() == ref.random(), "the stream must end where rng.logistic leaves it"
