//! Summaries of repeated runs: median and the min-max spread.

/// The median and extremes of a set of figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// The middle figure (mean of the two middle ones for an even count).
    pub median: f64,
    /// The smallest figure.
    pub min: f64,
    /// The largest figure.
    pub max: f64,
    /// How many figures were summarised.
    pub runs: usize,
}

impl Summary {
    /// Summarises `figures`; `None` when there are none or one is not finite.
    pub fn of(figures: &[f64]) -> Option<Summary> {
        if figures.is_empty() || figures.iter().any(|f| !f.is_finite()) {
            return None;
        }
        let mut sorted = figures.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            runs: n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_and_even_medians() {
        let odd = Summary::of(&[5.0, 1.0, 3.0]).expect("summary");
        assert_eq!((odd.median, odd.min, odd.max, odd.runs), (3.0, 1.0, 5.0, 3));
        let even = Summary::of(&[4.0, 1.0, 3.0, 2.0]).expect("summary");
        assert_eq!(even.median, 2.5);
        assert_eq!((even.min, even.max), (1.0, 4.0));
    }

    #[test]
    fn empty_or_nan_has_no_summary() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[1.0, f64::NAN]), None);
    }
}
