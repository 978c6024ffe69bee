"""MCDA core of the districts step against independent references.

- WLC and TOPSIS: pymcdm 1.4 (Kizielewicz, Shekhovtsov & Sałabun 2023, SoftwareX 22:101368), an
  independent implementation: WSM with min-max normalisation, TOPSIS with vector normalisation.
  Tolerance 1e-12 (same arithmetic, different code).
- AHP: the "leader" worked example of Wikipedia's *Analytic hierarchy process – leader example*
  (criteria experience, education, charisma, age): published priorities .547, .127, .270, .056 and
  consistency ratio 0.044; tolerance 1e-3 (the source rounds to three decimals and gives .547 where the
  eigenvector is 0.54757). The priorities were checked against the article's text here; the matrix and the
  CR are as the article states them, not re-checked against the page.
- Consistent matrices a_ij = w_i / w_j: the eigenvector is w exactly and λmax = n, CR = 0 (Saaty 1980).
"""

from __future__ import annotations

import numpy as np
import pytest
from pymcdm.methods import TOPSIS, WSM
from pymcdm.normalizations import minmax_normalization, vector_normalization

from processing.districts.mcda import (
    MAX_CONSISTENCY_RATIO,
    RANDOM_INDEX,
    ahp_weights,
    minmax_normalise,
    rank,
    topsis,
    weight_sensitivity,
    wlc,
)

# four alternatives x (price: cost, storage: benefit, camera: benefit)
X = np.array([[250.0, 16.0, 12.0], [200.0, 16.0, 8.0], [300.0, 32.0, 16.0], [275.0, 32.0, 8.0]])
BENEFIT = np.array([False, True, True])
TYPES = np.where(BENEFIT, 1, -1)
W = np.array([0.4, 0.35, 0.25])


def test_minmax_by_hand():
    # price (300 - x)/100, storage (x - 16)/16, camera (x - 8)/8
    expected = np.array([[0.5, 0, 0.5], [1, 0, 0], [0, 1, 1], [0.25, 1, 0]])
    np.testing.assert_allclose(minmax_normalise(X, BENEFIT), expected, atol=1e-15)


def test_wlc_by_hand_and_pymcdm():
    scores = wlc(X, W, BENEFIT)
    # by hand: 0.4*0.5 + 0.25*0.5 = 0.325; 0.4; 0.35 + 0.25 = 0.6; 0.1 + 0.35 = 0.45
    np.testing.assert_allclose(scores, [0.325, 0.4, 0.6, 0.45], atol=1e-12)
    reference = WSM(normalization_function=minmax_normalization)(X, W, TYPES)
    np.testing.assert_allclose(scores, reference, atol=1e-12)
    assert rank(scores).tolist() == [4, 3, 1, 2]


def test_topsis_equals_pymcdm():
    scores = topsis(X, W, BENEFIT)
    reference = TOPSIS(normalization_function=vector_normalization)(X, W, TYPES)
    np.testing.assert_allclose(scores, reference, atol=1e-12)
    assert rank(scores).tolist() == list(TOPSIS(vector_normalization).rank(reference).astype(int))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_matrices_equal_pymcdm(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 100, size=(7, 5))
    benefit = rng.uniform(size=5) > 0.5
    w = rng.uniform(0.1, 1, size=5)
    w = w / w.sum()
    types = np.where(benefit, 1, -1)
    np.testing.assert_allclose(wlc(x, w, benefit), WSM(minmax_normalization)(x, w, types), atol=1e-12)
    np.testing.assert_allclose(topsis(x, w, benefit), TOPSIS(vector_normalization)(x, w, types), atol=1e-12)


def test_weights_are_rescaled_and_checked():
    np.testing.assert_allclose(wlc(X, W * 10, BENEFIT), wlc(X, W, BENEFIT))
    with pytest.raises(ValueError, match="non-negative"):
        wlc(X, [-1, 1, 1], BENEFIT)
    with pytest.raises(ValueError, match="positive weight"):
        wlc(X, [0, 0, 0], BENEFIT)
    with pytest.raises(ValueError, match="NaN"):
        wlc(np.array([[1.0, np.nan, 1.0]]), W, BENEFIT)


def test_rank_is_deterministic_with_ties():
    scores = np.array([0.5, 0.7, 0.5, 0.7 + 1e-15])
    ids = ["d", "c", "a", "b"]
    # equal scores tie; ties go to the smaller id
    assert rank(scores, ids).tolist() == [4, 2, 3, 1]
    assert rank(scores, ids).tolist() == rank(scores.copy(), list(ids)).tolist()


def test_ahp_leader_example():
    # Experience, Education, Charisma, Age (Wikipedia, AHP leader example)
    a = [[1, 4, 3, 7], [1 / 4, 1, 1 / 3, 3], [1 / 3, 3, 1, 5], [1 / 7, 1 / 3, 1 / 5, 1]]
    res = ahp_weights(a)
    np.testing.assert_allclose(res.weights, [0.547, 0.127, 0.270, 0.056], atol=1e-3)
    assert res.cr == pytest.approx(0.044, abs=5e-4)
    assert res.consistent


def test_ahp_consistent_matrix_recovers_weights():
    w = np.array([0.5, 0.25, 0.15, 0.1])
    res = ahp_weights(w[:, None] / w[None, :])
    np.testing.assert_allclose(res.weights, w, atol=1e-12)
    assert res.lambda_max == pytest.approx(4.0, abs=1e-9)
    assert res.cr == pytest.approx(0.0, abs=1e-9)


#: Saaty (1980, p. 21) random index for n = 3..15, typed from the published table (docs/REFERENCES.md).
SAATY_RI = [0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59]


def test_ahp_random_index_is_saatys_table_to_15():
    assert [RANDOM_INDEX[n] for n in range(3, 16)] == SAATY_RI


@pytest.mark.parametrize("n", range(3, 16))
def test_ahp_random_index_matches_monte_carlo_of_random_judgments(n):
    """Independent check of RI: the mean CI of random reciprocal matrices on Saaty's 1/9..9 scale (how RI is
    defined). Published simulations (Alonso & Lamata 2006, 100,000 matrices) differ from Saaty's values by
    up to 0.06 (n = 12); tolerance 0.07 absolute with 3,000 matrices per n."""
    rng = np.random.default_rng(n)
    scale = np.array([1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    a = np.ones((3000, n, n))
    iu = np.triu_indices(n, 1)
    a[:, iu[0], iu[1]] = rng.choice(scale, size=(3000, len(iu[0])))
    a[:, iu[1], iu[0]] = 1.0 / a[:, iu[0], iu[1]]
    lam = np.linalg.eigvals(a).real.max(axis=1)
    assert ((lam - n) / (n - 1)).mean() == pytest.approx(RANDOM_INDEX[n], abs=0.07)


@pytest.mark.parametrize("n", range(3, 16))
def test_ahp_consistent_and_perturbed_matrices_of_order_n(n):
    """n = 3..15: a consistent matrix w_i/w_j gives CR 0 and w back (1e-9); reversing the judgments of the
    strongest pair of a 1-9 scale matrix makes it inconsistent (CR > 0.10)."""
    w = np.linspace(1.0, 9.0, n)
    w /= w.sum()
    res = ahp_weights(w[:, None] / w[None, :])
    np.testing.assert_allclose(res.weights, w, atol=1e-9)
    assert res.cr == pytest.approx(0.0, abs=1e-9) and res.consistent
    a = np.clip(np.round(w[:, None] / w[None, :] * 4.0), 1.0, 9.0)
    a = np.triu(a, 1) + np.tril(1.0 / a.T, -1) + np.eye(n)
    a[0, n - 1], a[n - 1, 0] = 9.0, 1.0 / 9.0  # the least important criterion judged 9x the most important
    assert not ahp_weights(a).consistent and ahp_weights(a).cr > MAX_CONSISTENCY_RATIO


def test_ahp_errors():
    # 1 > 9 > ... cyclic judgments: inconsistent
    bad = ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    assert not bad.consistent and bad.cr > 1
    with pytest.raises(ValueError, match="not reciprocal"):
        ahp_weights([[1, 3, 5], [3, 1, 3], [1 / 5, 1 / 3, 1]])
    with pytest.raises(ValueError, match="square"):
        ahp_weights([[1, 2, 3]])
    with pytest.raises(ValueError, match="1 to 15 criteria"):
        ahp_weights(np.ones((16, 16)))


def test_sensitivity_brackets_base_rank():
    lo, hi = weight_sensitivity(lambda w: wlc(X, w, BENEFIT), W, 0.2)
    base = rank(wlc(X, W, BENEFIT))
    assert (lo <= base).all() and (base <= hi).all()
    # the clear winner (A3) stays first under +/-20 %
    assert lo[2] == hi[2] == 1
    lo0, hi0 = weight_sensitivity(lambda w: wlc(X, w, BENEFIT), W, 0.0)
    assert (lo0 == base).all() and (hi0 == base).all()
