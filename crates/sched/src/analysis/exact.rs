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

use crate::model::Task;
use core::cmp::Ordering;
use num_bigint::BigUint;
use num_integer::Integer;

/// Total utilization `sum C_i / T_i` as a reduced fraction `(num, den)`.
pub fn utilization<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> (BigUint, BigUint) {
    let mut acc = Utilization::new();
    for t in tasks {
        acc.add(t);
    }
    let (num, den) = (acc.num, acc.den);
    let g = num.gcd(&den);
    if g > BigUint::from(1u32) {
        (num / &g, den / g)
    } else {
        (num, den)
    }
}

/// A running sum of utilizations over the product of the periods: only
/// big-by-small multiplications, linear in the size of the numbers.
#[derive(Debug, Clone)]
pub struct Utilization {
    num: BigUint,
    den: BigUint,
}

impl Utilization {
    /// Zero.
    pub fn new() -> Self {
        Self {
            num: BigUint::from(0u32),
            den: BigUint::from(1u32),
        }
    }

    /// Adds `C / T` of `task`.
    pub fn add(&mut self, task: &Task) {
        // num/den + C/T = (num T + C den) / (den T)
        self.num = &self.num * task.period + &self.den * task.wcet;
        self.den *= task.period;
    }

    /// Compares the sum with 1.
    pub fn cmp_one(&self) -> Ordering {
        self.num.cmp(&self.den)
    }
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
    let n_big = BigUint::from(n);
    let nq = n_big * &q;
    let lhs = (p + &nq).pow(n as u32);
    let rhs = nq.pow(n as u32) * 2u32;
    lhs <= rhs
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

    #[test]
    fn utilization_is_reduced_and_exact() {
        let ts = [Task::new(1, 3), Task::new(1, 6), Task::new(1, 2)];
        assert_eq!(utilization(&ts), (BigUint::from(1u32), BigUint::from(1u32)));
        assert_eq!(utilization_cmp_one(&ts), Ordering::Equal);
        assert_eq!(utilization_cmp_one(&ts[..2]), Ordering::Less);
    }

    #[test]
    fn liu_layland_single_task_bound_is_one() {
        assert!(liu_layland(&[Task::new(5, 5)]));
        assert!(!liu_layland(&[Task::new(6, 5)]));
    }
}
