//! O, a K dialect with a preemptible continuation-passing interpreter.
//!
//! O follows oK's semantics and printed form for the verbs it supports
//! (`+ - * % ! & | < > = ~ , ^ # _ $ ? @ .` and the adverbs
//! `' / \ ': /: \:`), but keeps exact 64-bit ints distinct from floats.
//!
//! Stages, one module each: [`lexer`] → [`parser`] (syntax tree in [`ast`])
//! → [`compile`] (stack code with names resolved to slots) → [`machine`]
//! (explicit-stack evaluator with fuel, running int code unboxed in
//! [`kernel`]), with values in [`value`], verbs in [`verbs`], adverbs in
//! [`adverbs`], printing in [`print`], errors in [`error`] and the
//! embedding interface in [`host`].
//!
//! ```
//! use enso_o::{Interp, Outcome, NoHost};
//! let mut o = Interp::new();
//! o.load("{x<100000}{x+1}/0").unwrap();
//! // Run in slices of 100 steps until done.
//! let v = loop {
//!     match o.run(100, &mut NoHost) {
//!         Outcome::Suspended => continue,
//!         Outcome::Done(v) => break v,
//!         other => panic!("{other:?}"),
//!     }
//! };
//! assert_eq!(v.to_string(), "100000");
//! ```

pub mod adverbs;
pub mod ast;
pub mod compile;
pub mod error;
pub mod host;
pub mod kernel;
pub mod lexer;
pub mod machine;
pub mod parser;
pub mod print;
pub mod value;
pub mod verbs;

pub use error::{ErrorKind, OError, OResult};
pub use host::{Host, HostResult, NoHost};
pub use machine::{Interp, Limits, Outcome};
pub use value::{Adverb, Arity, Func, Value, Verb};
