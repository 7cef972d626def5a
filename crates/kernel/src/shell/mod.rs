//! The shell: boot scripts in O, O tasks under fuel, the zero task and its
//! system verbs, and table formatting.
