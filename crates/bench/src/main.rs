//! enso-bench: enso measured against its peers in one run.

fn main() {
    println!("enso-bench: no benchmark groups yet.");
}
