//! Echo server and client tasks (used by the examples and tests).
