//! The routing engine's scenario, property and behaviour tests, all in `tests/`; this crate
//! has no library code of its own.
//!
//! They live here rather than in `shared/routing/tests` so that there is one place for
//! them and one set of helpers (`tests/common`): the data-driven scenarios (`scenarios/`),
//! the property tests and the decision-record tests were here already, and the engine
//! crate keeps only the unit tests of its modules. `cargo test -p switchboard-tests` runs
//! them all.
