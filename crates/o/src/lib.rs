//! O, a K dialect with a preemptible continuation-passing interpreter.
