"""The row helpers of the hot paths give NumPy's own sums and maxima, bit for bit."""

import numpy as np
import pytest
from techbloc.sim.arrays import SEQUENTIAL_COLUMNS, row_max, row_sum


def _data(rows: int, cols: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # Magnitudes spread over 16 decades, so a different order of additions shows in the bits.
    x = rng.random((rows, cols)) * 10.0 ** rng.integers(-8, 8, cols)
    x[rng.random((rows, cols)) < 0.2] = 0.0
    return x


@pytest.mark.parametrize("cols", range(1, 13))
@pytest.mark.parametrize("rows", [1, 2, 25, 469])
def test_row_sum_is_numpy_sum_bit_for_bit(rows, cols):
    x = _data(rows, cols, seed=rows * 100 + cols)
    assert np.array_equal(row_sum(x), x.sum(axis=1)), f"{rows}x{cols}: sums differ"


def test_row_sum_of_chosen_columns():
    x = _data(469, 5, seed=1)
    mask = np.array([True, True, False, False, False])
    assert np.array_equal(row_sum(x, mask), x[:, mask].sum(axis=1))
    assert np.array_equal(row_sum(x, [2, 3, 4]), x[:, [2, 3, 4]].sum(axis=1))
    assert np.array_equal(row_sum(x, np.array([1, 4])), x[:, [1, 4]].sum(axis=1))


def test_order_of_additions_matters_so_the_check_has_teeth():
    """Right-to-left addition differs from NumPy's left-to-right on the same data."""
    x = _data(469, SEQUENTIAL_COLUMNS, seed=2)
    backwards = x[:, -1].copy()
    for k in range(SEQUENTIAL_COLUMNS - 2, -1, -1):
        backwards += x[:, k]
    assert not np.array_equal(backwards, row_sum(x))


@pytest.mark.parametrize("cols", [1, 2, 3, 5, 9])
def test_row_max_is_numpy_max(cols):
    x = _data(50, cols, seed=cols) - 1.0
    x[0, 0] = -np.inf
    assert np.array_equal(row_max(x), x.max(axis=1))
    assert np.array_equal(row_max(x, list(range(cols))[::2]), x[:, ::2].max(axis=1))
