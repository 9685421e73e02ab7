#!/usr/bin/python3
"""The verdict maths (tools/netbench/verdicts.py) on synthetic samples, with
seeded random numbers only: the estimates against scipy's own tests, the
verdict's threshold pinned from both sides, Benjamini-Hochberg on known
p-values, and the whole sequential procedure of tools/run (the schedule,
its stopping rule, the final adjustment) over many trials.

usage: verdicts_test.py
"""
import math
import os
import random
import sys
import unittest

from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))
from netbench import verdicts  # noqa: E402
from netbench.verdicts import (EQUIVALENT, FASTER, LOOKS, Q, SLOWER, UNDECIDED,  # noqa: E402
                               Comparison, Estimate)

MARGIN = verdicts.DEFAULT_MARGIN


def rounds_of(rng, n, theta, sigma, drift=0.05):
    """n blocked rounds of two modes whose log speeds differ by theta, with a
    drift per round both share (what pairing removes) and per-round noise
    such that the per-round log ratio has standard deviation sigma."""
    a, b = {}, {}
    for r in range(n):
        shared = rng.gauss(0, drift)
        a[r] = math.exp(theta + shared + rng.gauss(0, sigma / math.sqrt(2)))
        b[r] = math.exp(shared + rng.gauss(0, sigma / math.sqrt(2)))
    return a, b


def sequential(rng, theta, sigma, looks=LOOKS):
    """One comparison through tools/run's whole procedure: stages of the
    schedule, a look after each at the provisional threshold (the sampler's
    stop_reason with no budget limit), then the report's adjustment (BH
    over its two p-values, each times `looks`). Returns (verdict, rounds)."""
    a, b = {}, {}
    rounds = 0
    while True:
        target = verdicts.next_rounds(rounds)
        more_a, more_b = rounds_of(rng, target - rounds, theta, sigma)
        a.update({rounds + r: v for r, v in more_a.items()})
        b.update({rounds + r: v for r, v in more_b.items()})
        rounds = target
        c = Comparison(verdicts.paired_estimate(a, b, True), looks)
        decided = c.decide(MARGIN, verdicts.provisional_threshold()).decided
        if verdicts.stop_reason(rounds, decided, False):
            break
    verdicts.decide_all([c], MARGIN)
    return c.verdict, rounds


def kinds(rng, trials, theta, sigma, looks=LOOKS):
    """{kind: share of trials} over seeded sequential trials."""
    out = {}
    for _ in range(trials):
        kind = sequential(rng, theta, sigma, looks)[0].kind
        out[kind] = out.get(kind, 0) + 1
    return {k: n / trials for k, n in out.items()}


class Estimates(unittest.TestCase):
    """The estimates and p-values against scipy's own t tests on logs."""

    def test_paired_is_the_paired_t_test_on_log_ratios(self):
        rng = random.Random(1)
        a, b = rounds_of(rng, 9, 0.04, 0.03)
        e = verdicts.paired_estimate(a, b, True)
        la = [math.log(a[r]) for r in range(9)]
        lb = [math.log(b[r]) for r in range(9)]
        self.assertTrue(e.paired)
        self.assertEqual((e.n, e.df), (9, 8))
        self.assertAlmostEqual(verdicts.p_difference(e), stats.ttest_rel(la, lb).pvalue)
        lo, hi = verdicts.interval(e, 0.05)
        want = stats.t.interval(0.95, 8, loc=e.theta, scale=e.se)
        self.assertAlmostEqual(lo, want[0])
        self.assertAlmostEqual(hi, want[1])

    def test_only_rounds_with_both_values_pair(self):
        e = verdicts.paired_estimate({0: 2.0, 1: 2.2, 2: 2.1, 5: 9.0}, {0: 1.0, 1: 1.1, 2: 1.0},
                                     True)
        self.assertEqual(e.n, 3)
        self.assertIsNone(verdicts.paired_estimate({0: 2.0, 1: 2.0}, {1: 1.0}, True))

    def test_lower_is_better_takes_the_inverse(self):
        # A round trip half as long is a speed twice as high.
        e = verdicts.paired_estimate({0: 10.0, 1: 10.0}, {0: 20.0, 1: 20.0}, False)
        self.assertAlmostEqual(verdicts.percent(e.theta), 100.0)

    def test_unpaired_is_welch_on_logs(self):
        rng = random.Random(2)
        a = [math.exp(rng.gauss(0.1, 0.05)) for _ in range(6)]
        b = [math.exp(rng.gauss(0.0, 0.02)) for _ in range(9)]
        e = verdicts.unpaired_estimate(a, b, True)
        self.assertFalse(e.paired)
        want = stats.ttest_ind([math.log(x) for x in a], [math.log(x) for x in b],
                               equal_var=False)
        self.assertAlmostEqual(verdicts.p_difference(e), want.pvalue)

    def test_equivalence_p_is_twice_the_larger_one_sided_test(self):
        rng = random.Random(3)
        a, b = rounds_of(rng, 12, 0.005, 0.02)
        e = verdicts.paired_estimate(a, b, True)
        d = [math.log(a[r] / b[r]) for r in range(12)]
        bound = math.log1p(MARGIN)
        below = stats.ttest_1samp(d, -bound, alternative="greater").pvalue
        above = stats.ttest_1samp(d, bound, alternative="less").pvalue
        self.assertAlmostEqual(verdicts.p_equivalence(e, MARGIN), min(1, 2 * max(below, above)))


class ThresholdAndInterval(unittest.TestCase):
    """A verdict and its interval never disagree, and the threshold itself
    decides: a p-value just inside T decides, just outside does not."""

    def test_verdicts_agree_with_their_intervals(self):
        rng = random.Random(4)
        bound = math.log1p(MARGIN)
        for _ in range(300):
            e = Estimate(rng.gauss(0, 0.05), rng.uniform(0.001, 0.03), rng.randint(2, 30),
                         10, True)
            looks = rng.choice([1, 8, 64])
            v = Comparison(e, looks).decide(MARGIN, rng.uniform(0.001, 0.05))
            self.assertEqual(v.kind == EQUIVALENT, -bound <= v.low and v.high <= bound, v)
            different = v.low > 0 or v.high < 0
            self.assertEqual(v.kind in (FASTER, SLOWER) or v.difference is not None,
                             different, v)
            if v.kind == FASTER:
                self.assertGreater(v.low, 0)

    def estimate_at(self, p, looks):
        """An estimate whose K * p_diff is exactly p (and whose equivalence
        test cannot pass: its se is far wider than the margin)."""
        se, df = 0.1, 9
        theta = -float(stats.t.ppf(p / looks / 2, df)) * se
        return Estimate(theta, se, df, 10, True)

    def test_the_threshold_flips_the_verdict(self):
        # One comparison: BH over its two p-values rejects the difference
        # iff K p_diff <= q/2 (p_eq is 1), so T = q/2 either way.
        for looks in (1, LOOKS):
            for factor, kind in ((0.999, FASTER), (1.001, UNDECIDED)):
                c = Comparison(self.estimate_at(factor * Q / 2, looks), looks)
                threshold = verdicts.decide_all([c], MARGIN)
                self.assertAlmostEqual(threshold, Q / 2)
                self.assertEqual(c.verdict.kind, kind, (looks, factor))
                # The interval printed is the 1 - T/K one: its end is at 0.
                self.assertAlmostEqual(c.verdict.low, 0, delta=1e-3)

    def test_a_fixed_threshold_is_used_as_given(self):
        c = Comparison(self.estimate_at(0.01, LOOKS), LOOKS)
        self.assertEqual(c.decide(MARGIN, 0.0101).kind, FASTER)
        self.assertEqual(c.decide(MARGIN, 0.0099).kind, UNDECIDED)

    def test_equivalence_wins_and_keeps_the_difference(self):
        # 1% faster, very precisely: both tests pass.
        v = Comparison(Estimate(math.log(1.01), 0.0005, 20, 21, True)).decide(MARGIN, 0.01)
        self.assertEqual((v.kind, v.difference), (EQUIVALENT, FASTER))
        self.assertEqual(v.flipped().difference, SLOWER)

    def test_flipped_reads_the_other_way(self):
        v = Comparison(Estimate(math.log(1.2), 0.01, 9, 10, True)).decide(MARGIN, 0.05)
        w = v.flipped()
        self.assertEqual((v.kind, w.kind), (FASTER, SLOWER))
        self.assertAlmostEqual(w.low, -v.high)
        self.assertAlmostEqual(verdicts.percent(w.estimate.theta), 100 * (1 / 1.2 - 1))

    def test_untestable_is_undecided(self):
        v = Comparison(None).decide(MARGIN, 0.05)
        self.assertEqual(v.kind, UNDECIDED)
        self.assertIsNone(v.interval)


class BenjaminiHochberg(unittest.TestCase):
    def test_the_textbook_example(self):
        # Benjamini & Hochberg's step-up: p_(2) = 0.008 <= 2q/8 is the last.
        p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205]
        self.assertAlmostEqual(verdicts.bh_threshold(p, 0.05), 2 * 0.05 / 8)

    def test_step_up_rejects_below_a_later_pass(self):
        # 0.02 > q/2, but p_(2) = 0.03 <= q: both are rejected.
        self.assertAlmostEqual(verdicts.bh_threshold([0.03, 0.02], 0.05), 0.05)

    def test_no_rejection_is_the_bonferroni_level(self):
        self.assertAlmostEqual(verdicts.bh_threshold([0.5, 0.9, 0.2, 0.4], 0.05), 0.05 / 4)

    def test_more_comparisons_lower_the_threshold(self):
        # The same comparison among many undecidable ones is no longer decided.
        close = Comparison(Estimate(0.05, 0.014, 9, 10, True))
        verdicts.decide_all([close], MARGIN)
        self.assertEqual(close.verdict.kind, FASTER)
        noise = [Comparison(Estimate(0.0, 0.5, 9, 10, True)) for _ in range(50)]
        verdicts.decide_all([close] + noise, MARGIN)
        self.assertEqual(close.verdict.kind, UNDECIDED)


class RoundsToDecide(unittest.TestCase):
    """The sampler's projection: an interval narrows as 1/sqrt(rounds)."""

    def verdict(self, theta, half, kind=UNDECIDED):
        e = Estimate(theta=theta, se=half / 3, df=7, n=8, paired=True)
        return verdicts.Verdict(kind, e, theta - half, theta + half)

    def test_a_near_tie_needs_its_interval_inside_the_margin(self):
        # theta 0: equivalence needs a half-width below ln(1.03) = 2.96%;
        # 5.92% at 8 rounds is twice that, so four times the rounds.
        v = self.verdict(0.0, 2 * math.log1p(0.03))
        self.assertAlmostEqual(verdicts.rounds_to_decide(v, 8), 32)

    def test_a_clear_difference_needs_its_interval_off_zero(self):
        # theta 10%: a difference once the half-width is below 10%.
        v = self.verdict(0.10, 0.20)
        self.assertAlmostEqual(verdicts.rounds_to_decide(v, 6), 24)

    def test_decided_needs_no_more_and_no_estimate_cannot_be_projected(self):
        self.assertEqual(verdicts.rounds_to_decide(self.verdict(0.1, 0.01, FASTER), 3), 3)
        self.assertEqual(verdicts.rounds_to_decide(verdicts.Verdict(UNDECIDED), 3), math.inf)


class SequentialProcedure(unittest.TestCase):
    """tools/run's schedule, stopping rule and final adjustment together."""

    def test_a_true_5_percent_is_decided_faster(self):
        # 2% per-round noise; A 5% faster, then B 5% faster (A 4.8% slower).
        rng = random.Random(5)
        for theta, kind in ((math.log(1.05), FASTER), (-math.log(1.05), SLOWER)):
            covered = 0
            for _ in range(100):
                v, rounds = sequential(rng, theta, 0.02)
                self.assertEqual(v.kind, kind)
                self.assertLessEqual(rounds, 16)
                covered += v.low <= theta <= v.high
            # Stopping when decided biases the estimate away from 0 (it
            # stops on a lucky draw), but the interval still covers the
            # truth: its level is 1 - T/K, valid at any stopping look.
            self.assertGreaterEqual(covered, 95)

    def test_an_a_a_comparison_is_called_different_within_its_error_rate(self):
        # Noise too big for equivalence, so nearly every trial takes every
        # look: the optional stopping is at its most tempting. A difference
        # call is a false discovery here; BH over the comparison's two
        # p-values keeps them at most q, whatever the stopping.
        trials = 2000
        slack = 3 * math.sqrt(Q * (1 - Q) / trials)
        share = kinds(random.Random(6), trials, 0.0, 0.05)
        wrong = share.get(FASTER, 0) + share.get(SLOWER, 0)
        self.assertLessEqual(wrong, Q + slack, share)
        self.assertLessEqual(share.get(FASTER, 0), Q / 2 + slack, share)
        # The same looks without the union bound over them (K = 1): optional
        # stopping then makes more false calls than q allows. This is what
        # the test above would catch if the correction were lost.
        uncorrected = kinds(random.Random(6), trials, 0.0, 0.05, looks=1)
        self.assertGreater(uncorrected.get(FASTER, 0) + uncorrected.get(SLOWER, 0), Q,
                           uncorrected)

    def test_no_difference_with_small_noise_is_equivalent(self):
        share = kinds(random.Random(7), 200, 0.0, 0.01)
        self.assertGreaterEqual(share.get(EQUIVALENT, 0), 0.99, share)

    def test_a_3_percent_difference_in_big_noise_is_not_decided(self):
        share = kinds(random.Random(8), 200, math.log(1.03), 0.10)
        self.assertGreaterEqual(share.get(UNDECIDED, 0), 0.85, share)
        self.assertEqual(share.get(SLOWER, 0), 0, share)

    def test_the_schedule_ends(self):
        self.assertEqual(verdicts.next_rounds(0), verdicts.SCHEDULE[0])
        self.assertEqual(verdicts.next_rounds(verdicts.SCHEDULE[2]), verdicts.SCHEDULE[3])
        self.assertIsNone(verdicts.next_rounds(verdicts.SCHEDULE[-1]))
        self.assertEqual(LOOKS, len(verdicts.SCHEDULE))


if __name__ == "__main__":
    unittest.main(verbosity=2)
