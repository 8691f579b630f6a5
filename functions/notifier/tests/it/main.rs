//! The notifier against real HTTP receivers on loopback and the embedded store.

mod channels;
mod common;
mod delivery;
mod parked;
