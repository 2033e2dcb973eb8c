import numpy as np

from sim.random import laplace, phase_generator, phase_key, uniform


def test_phase_keys_depend_on_seed_phase_and_month():
    keys = {phase_key(s, p, m) for s in (1, 2) for p in ("labour", "firms") for m in (0, 1)}
    assert len(keys) == 8
    assert phase_key(7, "labour", 3) == phase_key(7, "labour", 3)


def test_uniform_is_uniform_and_independent_of_loop_order():
    key = phase_key(1, "test", 0)
    u = np.array([uniform(key, i, 0) for i in range(200_000)])
    assert 0.0 <= u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.003
    assert abs(u.var() - 1 / 12) < 0.001
    # a draw depends on who draws, not on when in the loop
    assert uniform(key, 12345, 0) == u[12345]
    # different draws of the same agent are uncorrelated
    v = np.array([uniform(key, i, 1) for i in range(200_000)])
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.01


def test_laplace_has_its_variance_and_positive_excess_kurtosis():
    key = phase_key(1, "test", 1)
    x = np.array([laplace(key, i, 0, 0.2) for i in range(200_000)])
    assert abs(x.mean()) < 0.003
    assert abs(x.var() - 2 * 0.2**2) < 0.003
    kurt = ((x - x.mean()) ** 4).mean() / x.var() ** 2 - 3
    assert 2.5 < kurt < 3.5  # Laplace: excess kurtosis 3


def test_generators_are_reproducible():
    a = phase_generator(3, "population").random(5)
    b = phase_generator(3, "population").random(5)
    c = phase_generator(4, "population").random(5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_poisson_inverse_is_the_poisson_quantile_and_monotone_in_the_mean():
    from scipy.stats import poisson

    from sim.random import poisson_count, poisson_inverse

    rng = np.random.default_rng(0)
    for mean in (0.3, 4.0, 37.5, 700.0, 2600.0, 1e5):
        for u in rng.random(200):
            expected = max(int(poisson.ppf(u, mean)), 0)
            assert poisson_inverse(u, mean) == expected, (u, mean)
    # the same uniform never gives a smaller count for a larger mean (common random numbers)
    for u in rng.random(100):
        counts = [poisson_inverse(u, m) for m in np.linspace(10, 200, 40)]
        assert counts == sorted(counts)
    # one draw per call, whatever the mean
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    poisson_count(a, 3.0)
    poisson_count(b, 3000.0)
    assert a.random() == b.random()
    # the sample mean and variance are the Poisson's
    rng = np.random.default_rng(1)
    x = np.array([poisson_count(rng, 12.0) for _ in range(20000)])
    assert abs(x.mean() - 12.0) < 0.1 and abs(x.var() - 12.0) < 0.5
