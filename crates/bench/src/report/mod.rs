//! Output: the human table and JSON lines, from the same results.

pub mod json;
pub mod table;

/// A figure with as many decimals as its size deserves.
pub fn figure(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_size() {
        assert_eq!(figure(1234.56), "1235");
        assert_eq!(figure(45.67), "45.7");
        assert_eq!(figure(1.234), "1.23");
    }
}
