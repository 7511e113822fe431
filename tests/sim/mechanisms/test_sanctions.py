"""US export controls on vendors (sim/mechanisms/sanctions.py, ODD §7.1)."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.sanctions import effective_quality, indigenise, supply_reliability

DEPENDENCE = np.array([0.25, 0.5, 0.3, 0.3, 0.4])  # huawei, zte, ericsson, nokia, samsung
TARGETED = np.array([True, True, False, False, False])


def test_reliability_is_one_for_untargeted_and_one_minus_ud_for_targeted():
    u = 0.7
    rho = supply_reliability(u, DEPENDENCE, TARGETED)
    expected = np.where(TARGETED, 1 - u * DEPENDENCE, 1.0)
    np.testing.assert_allclose(rho, expected, atol=1e-12, err_msg="expected ρ = 1 − u·d if targeted")
    assert np.all(rho[~TARGETED] == 1.0), f"expected ρ = 1 for untargeted, found {rho[~TARGETED]}"


def test_no_controls_means_full_reliability():
    rho = supply_reliability(0.0, DEPENDENCE, TARGETED)
    assert np.all(rho == 1.0), f"expected ρ = 1 everywhere at u = 0, found {rho}"


def test_indigenise_does_nothing_without_controls():
    d = indigenise(DEPENDENCE, TARGETED, u=0.0, delta=0.04, delta_c=0.03, c=1.0)
    np.testing.assert_array_equal(d, DEPENDENCE, err_msg="expected no indigenisation at u = 0")


def test_indigenise_reduces_only_targeted_dependence_under_controls():
    d = indigenise(DEPENDENCE, TARGETED, u=0.5, delta=0.04, delta_c=0.03, c=0.0)
    np.testing.assert_allclose(d[TARGETED], DEPENDENCE[TARGETED] * 0.96, atol=1e-12,
                               err_msg="expected d·(1 − δ) for targeted vendors")
    np.testing.assert_array_equal(d[~TARGETED], DEPENDENCE[~TARGETED],
                                  err_msg="expected untargeted dependence unchanged")


def test_cooperation_speeds_indigenisation():
    found = []
    for c in (0.0, 0.5, 1.0):
        d = DEPENDENCE.copy()
        for _ in range(8):  # two years of controls
            d = indigenise(d, TARGETED, u=0.9, delta=0.04, delta_c=0.03, c=c)
        found.append(d[0])
    assert found[0] > found[1] > found[2], f"expected lower d with more cooperation, found {found}"


def test_effective_quality_falls_with_unreliability():
    q = effective_quality(np.ones(3), np.array([1.0, 0.8, 0.5]), kappa=2.0)
    np.testing.assert_allclose(q, [1.0, 0.64, 0.25], atol=1e-12, err_msg="expected q·ρ^κ")
