//! The host interface: system verbs provided by the embedding program.
//!
//! The interpreter does no I/O. A host registers verbs by name and arity
//! ([`crate::Interp::register`]); when O code applies one, the machine calls
//! [`Host::call`] with the verb's id. The host answers with a value, an
//! error, or [`HostResult::Wait`] to suspend the O program until the host
//! calls [`crate::Interp::wake`] with the verb's result (for example a
//! receive on an empty queue).

use crate::error::{ErrorKind, OError};
use crate::value::{Arity, Value};

/// A host verb's answer.
#[derive(Debug)]
pub enum HostResult {
    /// The verb's result.
    Value(Value),
    /// The verb failed.
    Error(OError),
    /// Suspend the program until [`crate::Interp::wake`] delivers the result.
    Wait,
}

/// The embedding program's side of system verbs.
pub trait Host {
    /// Applies host verb `id` (named `name`) to `args`.
    fn call(&mut self, id: u32, name: &str, args: &[Value]) -> HostResult;
}

/// A host with no verbs: every call is an error.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHost;

impl Host for NoHost {
    fn call(&mut self, _id: u32, name: &str, _args: &[Value]) -> HostResult {
        HostResult::Error(OError::new(
            ErrorKind::Host,
            format!("host verb '{name}' is not available."),
        ))
    }
}

/// A host function: takes the arguments, returns a [`HostResult`].
pub type HostFn = Box<dyn FnMut(&[Value]) -> HostResult + Send>;

/// A host made of closures, one per verb, indexed by the id
/// [`crate::Interp::register`] returned.
///
/// ```
/// use enso_o::{Interp, Outcome, Value, Arity, host::{FnHost, HostResult}};
/// let mut o = Interp::new();
/// let mut h = FnHost::default();
/// h.add(&mut o, "double", Arity::Monadic, Box::new(|a: &[Value]| {
///     HostResult::Value(Value::Int(a[0].as_int().unwrap_or(0) * 2))
/// }));
/// o.load("1+double 20").unwrap();
/// match o.run(u64::MAX, &mut h) { Outcome::Done(v) => assert_eq!(v.to_string(), "41"), _ => panic!() }
/// ```
#[derive(Default)]
pub struct FnHost {
    fns: Vec<(u32, HostFn)>,
}

impl FnHost {
    /// Registers `name` in `interp` and binds it to `f`.
    pub fn add(&mut self, interp: &mut crate::Interp, name: &str, arity: Arity, f: HostFn) {
        let id = interp.register(name, arity);
        self.fns.push((id, f));
    }
}

impl Host for FnHost {
    fn call(&mut self, id: u32, name: &str, args: &[Value]) -> HostResult {
        match self.fns.iter_mut().find(|(i, _)| *i == id) {
            Some((_, f)) => f(args),
            None => NoHost.call(id, name, args),
        }
    }
}
