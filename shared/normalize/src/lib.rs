//! Lead field normalization: the one place that decides how an email, a country, a phone
//! number, a company name and a person's name are stored on a [`switchboard_routing::Lead`].
//!
//! Intake applies it to every submission (`functions/intake/src/normalize`, which maps a
//! provider's fields onto the contact slots first); `switchboard simulate` and
//! `switchboard backtest` apply it to leads read from files ([`contact::renormalize`]), so
//! a replayed `Deutschland` or `jane@mail.acme.de` routes as it would in production (`DE`,
//! `acme.de`). Pure: no I/O, no clock.

pub mod company;
pub mod contact;
pub mod country;
pub mod email;
pub mod free_mail;
pub mod names;
pub mod phone;
pub mod punctuation;
pub mod text;
pub mod website;
