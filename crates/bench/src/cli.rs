//! Command-line options.

use clap::Parser;

/// Enso measured against its peers in one run: one table, medians,
/// spreads and ratios, with the machine, compiler and date.
#[derive(Debug, Parser)]
#[command(name = "enso-bench", version)]
pub struct Options {
    /// Run only these groups (a name like "spsc-batch", or a family like
    /// "spsc"); all groups when none is given.
    pub filters: Vec<String>,

    /// Print one JSON object per row instead of the table.
    #[arg(long)]
    pub json: bool,

    /// Measured runs per row (the median and min-max are over these).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    pub runs: u16,

    /// Shorter item counts, to check that everything runs.
    #[arg(long)]
    pub quick: bool,

    /// List the groups and their rows, then exit.
    #[arg(long)]
    pub list: bool,
}
