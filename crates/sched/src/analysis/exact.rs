//! Utilization tests decided in exact arithmetic (big integers, no floats).
//!
//! - Liu and Layland (1973), Theorem 5: `n` tasks with `D = T` are
//!   schedulable under rate monotonic if `U <= n (2^(1/n) - 1)`.
//!   Decided exactly as `(U/n + 1)^n <= 2`, i.e. with `U = P/Q`:
//!   `(P + nQ)^n <= 2 (nQ)^n`.
//! - Bini, Buttazzo and Buttazzo (2003), the hyperbolic bound:
//!   schedulable under RM if `prod (U_i + 1) <= 2`, i.e.
//!   `prod (C_i + T_i) <= 2 prod T_i`.
//! - `U <= 1`: EDF with implicit deadlines (Liu and Layland, Theorem 7).

use crate::model::{Task, gcd};
use core::cmp::Ordering;
use num_bigint::BigUint;
use num_integer::Integer;

/// Total utilization `sum C_i / T_i` as a reduced fraction `(num, den)`.
pub fn utilization<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> (BigUint, BigUint) {
    let mut acc = Utilization::new();
    for t in tasks {
        acc.add(t);
    }
    let (num, den) = acc.into_fraction();
    let g = num.gcd(&den);
    if g > BigUint::from(1u32) {
        (num / &g, den / g)
    } else {
        (num, den)
    }
}

/// A running sum of utilizations, exact.
///
/// While the least common multiple of the periods fits in 64 bits (every
/// realistic task set) the sum is a `u128` numerator over that `u64`
/// denominator: no allocation, a `gcd` and a few multiplications per
/// task. On overflow it moves to big integers over the product of the
/// periods: only big-by-small multiplications, linear in the size of the
/// numbers.
#[derive(Debug, Clone)]
pub struct Utilization {
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    /// `num / den`, `den` the lcm of the periods so far.
    Small { num: u128, den: u64 },
    /// `num / den`, `den` a multiple of every period so far.
    Big { num: BigUint, den: BigUint },
}

impl Utilization {
    /// Zero.
    pub fn new() -> Self {
        Self {
            repr: Repr::Small { num: 0, den: 1 },
        }
    }

    /// Adds `C / T` of `task`.
    pub fn add(&mut self, task: &Task) {
        match &mut self.repr {
            Repr::Small { num, den } => match small_add(*num, *den, task) {
                Some((n, d)) => (*num, *den) = (n, d),
                None => {
                    let (mut num, mut den) = (BigUint::from(*num), BigUint::from(*den));
                    big_add(&mut num, &mut den, task);
                    self.repr = Repr::Big { num, den };
                }
            },
            Repr::Big { num, den } => big_add(num, den, task),
        }
    }

    /// Compares the sum with 1.
    pub fn cmp_one(&self) -> Ordering {
        match &self.repr {
            Repr::Small { num, den } => num.cmp(&u128::from(*den)),
            Repr::Big { num, den } => num.cmp(den),
        }
    }

    /// The sum as a fraction `(num, den)`, not necessarily reduced.
    pub fn into_fraction(self) -> (BigUint, BigUint) {
        match self.repr {
            Repr::Small { num, den } => (BigUint::from(num), BigUint::from(den)),
            Repr::Big { num, den } => (num, den),
        }
    }
}

/// `num/den + C/T` over `lcm(den, T)`, or `None` when it does not fit.
fn small_add(num: u128, den: u64, task: &Task) -> Option<(u128, u64)> {
    let g = gcd(den, task.period);
    let scale = task.period / g;
    let den2 = den.checked_mul(scale)?;
    let num2 = num
        .checked_mul(u128::from(scale))?
        .checked_add(u128::from(task.wcet) * u128::from(den / g))?;
    Some((num2, den2))
}

/// `num/den + C/T = (num T + C den) / (den T)`.
fn big_add(num: &mut BigUint, den: &mut BigUint, task: &Task) {
    *num = &*num * task.period + &*den * task.wcet;
    *den *= task.period;
}

impl Default for Utilization {
    fn default() -> Self {
        Self::new()
    }
}

/// Compares the total utilization of `tasks` with 1.
pub fn utilization_cmp_one<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> Ordering {
    let (num, den) = utilization(tasks);
    num.cmp(&den)
}

/// The Liu and Layland bound: `U <= n (2^(1/n) - 1)`, exactly.
///
/// Applies to rate-monotonic priorities with `D = T`, no blocking and no
/// jitter; the caller checks that. An empty set passes.
///
/// ```
/// use enso_sched::{Task, analysis::exact::liu_layland};
/// // U = 0.8284 <= 2(sqrt 2 - 1) = 0.828427...: passes; U = 0.8285 fails.
/// assert!(liu_layland(&[Task::new(4142, 10_000), Task::new(4142, 10_000)]));
/// assert!(!liu_layland(&[Task::new(4142, 10_000), Task::new(4143, 10_000)]));
/// ```
pub fn liu_layland(tasks: &[Task]) -> bool {
    let n = tasks.len();
    if n == 0 {
        return true;
    }
    let (p, q) = utilization(tasks);
    // Quick exact decisions: U <= 69/100 < ln 2 < the bound for every n,
    // and U > 1 >= the bound for every n.
    if p.clone() * 100u32 <= q.clone() * 69u32 {
        return true;
    }
    if p > q {
        return false;
    }
    // Now 1 < x = (P + nQ) / (nQ) <= 1 + 1/n; decide x^n <= 2: by
    // intervals (cheap, almost always decided at 128 bits), then exactly
    // while the exact power stays small, then by finer intervals.
    let nq = BigUint::from(n) * &q;
    let a = p + &nq;
    if let Some(yes) = power_at_most_two(&a, &nq, n, 128, INTERVAL_FIRST) {
        return yes;
    }
    if n as u64 * a.bits() <= EXACT_BITS {
        return a.pow(n as u32) <= nq.pow(n as u32) * 2u32;
    }
    power_at_most_two(&a, &nq, n, INTERVAL_FIRST * 2, MAX_PRECISION).unwrap_or(false)
}

/// Precision (bits) the interval method tries before the exact power.
const INTERVAL_FIRST: u64 = 1 << 12;
/// Size (bits) up to which `liu_layland` raises the exact fraction to the n-th power.
const EXACT_BITS: u64 = 1 << 20;
/// Precision cap (bits) of the interval method.
const MAX_PRECISION: u64 = 1 << 22;

/// Decides `(a/b)^n <= 2` for `1 < a/b <= 1 + 1/n` with fixed-point
/// interval arithmetic: `x^n` is enclosed in `[lo, hi] / 2^prec`, rounding
/// down and up at every product, and the precision doubles from `from`
/// until the enclosure lies on one side of 2 (`None` past `to` bits). For
/// `n >= 2` the bound `2^(1/n)` is irrational, so a rational `x` is never
/// exactly on it and enough precision always decides; a set whose
/// utilization lies within about 2^-4000000 of the bound and is too large
/// for the exact power is reported as not meeting the bound, the
/// conservative answer for a sufficient test.
fn power_at_most_two(a: &BigUint, b: &BigUint, n: usize, from: u64, to: u64) -> Option<bool> {
    let mut prec = from;
    while prec <= to {
        let lo = (a << prec) / b;
        let hi = &lo + 1u32;
        let two = BigUint::from(2u32) << prec;
        if pow_fixed(&hi, n, prec, true) <= two {
            return Some(true);
        }
        if pow_fixed(&lo, n, prec, false) > two {
            return Some(false);
        }
        prec *= 2;
    }
    None
}

/// `x^n` for a fixed-point `x` with `prec` fraction bits, rounded down or up.
fn pow_fixed(x: &BigUint, n: usize, prec: u64, up: bool) -> BigUint {
    let one = BigUint::from(1u32) << prec;
    let mul = |p: &BigUint, q: &BigUint| {
        let full = p * q;
        let mut r = &full >> prec;
        if up && (&r << prec) != full {
            r += 1u32;
        }
        r
    };
    let mut result = one;
    let mut base = x.clone();
    let mut e = n;
    while e > 0 {
        if e & 1 == 1 {
            result = mul(&result, &base);
        }
        e >>= 1;
        if e > 0 {
            base = mul(&base, &base);
        }
    }
    result
}

/// The hyperbolic bound: `prod (U_i + 1) <= 2`, exactly.
///
/// Same applicability as [`liu_layland`], which it dominates.
///
/// ```
/// use enso_sched::{Task, analysis::exact::hyperbolic};
/// // (3/5 + 1)(1/4 + 1) = 2 exactly: passes.
/// assert!(hyperbolic(&[Task::new(3, 5), Task::new(1, 4)]));
/// assert!(!hyperbolic(&[Task::new(3, 5), Task::new(2, 7)]));
/// ```
pub fn hyperbolic(tasks: &[Task]) -> bool {
    let mut lhs = BigUint::from(1u32);
    let mut rhs = BigUint::from(2u32);
    for t in tasks {
        lhs *= BigUint::from(t.wcet) + BigUint::from(t.period);
        rhs *= BigUint::from(t.period);
    }
    lhs <= rhs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `sum C/T` compared with 1 over the product of the periods, in big integers.
    fn cmp_one_by_product(tasks: &[Task]) -> Ordering {
        let (mut num, mut den) = (BigUint::from(0u32), BigUint::from(1u32));
        for t in tasks {
            big_add(&mut num, &mut den, t);
        }
        num.cmp(&den)
    }

    #[test]
    fn small_sums_move_to_big_integers_when_the_lcm_overflows() {
        // Two large coprime periods: their lcm needs 127 bits.
        let big = [
            Task::new(u64::MAX / 2, u64::MAX),
            Task::new(u64::MAX / 2, u64::MAX - 1),
            Task::new(1, 3),
        ];
        let mut acc = Utilization::new();
        acc.add(&big[0]);
        assert!(matches!(acc.repr, Repr::Small { .. }));
        acc.add(&big[1]);
        assert!(matches!(acc.repr, Repr::Big { .. }));
        acc.add(&big[2]);
        assert_eq!(acc.cmp_one(), cmp_one_by_product(&big));
        assert_eq!(acc.cmp_one(), Ordering::Greater);
        // Exactly one, with a shared lcm: 1/4 + 1/2 + 1/4.
        let one = [Task::new(1, 4), Task::new(2, 4), Task::new(3, 12)];
        assert_eq!(utilization_cmp_one(&one), Ordering::Equal);
        assert_eq!(
            utilization(&one),
            (BigUint::from(1u32), BigUint::from(1u32))
        );
    }

    proptest! {
        #[test]
        fn running_sum_matches_the_product_form(
            ts in proptest::collection::vec((1u64..1_000_000, 1u64..u64::MAX), 1..12)
        ) {
            let tasks: Vec<Task> = ts.iter().map(|&(c, t)| Task::new(c, t)).collect();
            let mut acc = Utilization::new();
            for t in &tasks {
                acc.add(t);
            }
            prop_assert_eq!(acc.cmp_one(), cmp_one_by_product(&tasks));
        }
    }

    /// The definition, computed the slow exact way.
    fn ll_exact(tasks: &[Task]) -> bool {
        let n = tasks.len();
        let (p, q) = utilization(tasks);
        let nq = BigUint::from(n) * &q;
        (p + &nq).pow(n as u32) <= nq.pow(n as u32) * 2u32
    }

    proptest! {
        #[test]
        fn liu_layland_matches_its_definition(
            specs in proptest::collection::vec((1u64..=1000, 1u64..=1000), 1..=8)
        ) {
            // Periods near 1000 and C up to about T/n put U around the bound.
            let n = specs.len() as u64;
            let tasks: Vec<Task> = specs
                .iter()
                .map(|&(c, t)| Task::new(1 + c * (1000 + t) / (1000 * n), 1000 + t))
                .collect();
            prop_assert_eq!(liu_layland(&tasks), ll_exact(&tasks));
        }
    }

    #[test]
    fn utilization_is_reduced_and_exact() {
        let ts = [Task::new(1, 3), Task::new(1, 6), Task::new(1, 2)];
        assert_eq!(utilization(&ts), (BigUint::from(1u32), BigUint::from(1u32)));
        assert_eq!(utilization_cmp_one(&ts), Ordering::Equal);
        assert_eq!(utilization_cmp_one(&ts[..2]), Ordering::Less);
    }

    #[test]
    fn interval_method_decides_within_2_pow_minus_200_of_the_bound() {
        // a0 = floor(2^(1/n) 2^200): a0 / 2^200 is just below 2^(1/n),
        // (a0 + 1) / 2^200 just above; 128 bits of precision cannot tell,
        // so the interval method must refine.
        let scale = BigUint::from(1u32) << 200u32;
        for n in [2usize, 3, 7, 30, 101] {
            let a0 = (BigUint::from(2u32) << (200 * n)).nth_root(n as u32);
            let decide = |a: &BigUint| power_at_most_two(a, &scale, n, 128, MAX_PRECISION);
            assert_eq!(decide(&a0), Some(true), "n {n}, below");
            assert_eq!(decide(&(&a0 + 1u32)), Some(false), "n {n}, above");
        }
    }

    #[test]
    fn liu_layland_large_sets_are_decided() {
        // The bound tends to ln 2 = 0.693147...: with 5000 tasks,
        // U = 0.75 fails and U = 5000/7214 = 0.693097... passes.
        let n = 5000u64;
        let fail: Vec<Task> = (0..n).map(|_| Task::new(15, 100_000)).collect();
        assert!(!liu_layland(&fail));
        let pass: Vec<Task> = (0..n).map(|_| Task::new(1, 7_214)).collect();
        assert!(liu_layland(&pass));
        // Distinct large periods: the exact fraction is too big to raise to
        // the 300th power, so the interval method decides.
        let mixed: Vec<Task> = (0..300u64)
            .map(|i| Task::new(2_300_000 + i, 1_000_000_007 + 2 * i))
            .collect(); // U = 0.6906...
        assert!(liu_layland(&mixed));
    }

    #[test]
    fn liu_layland_single_task_bound_is_one() {
        assert!(liu_layland(&[Task::new(5, 5)]));
        assert!(!liu_layland(&[Task::new(6, 5)]));
    }
}
