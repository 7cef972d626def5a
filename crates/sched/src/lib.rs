//! Scheduling policy for enso: ready queues, the timer wheel, admission
//! control and a discrete-event schedule simulator. Pure data structures:
//! time is a parameter, never read from a clock.
