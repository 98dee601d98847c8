//! The reference gateway's configuration file, as a library: the binary (`src/main.rs`) reads
//! it through [`config::Config::load`], and the fuzz target `config_toml` and the corpus replay
//! test reach the same parser through [`fuzzing`]. Everything else of the program lives in the
//! binary.

// A std application: the no_std import lints are for the library crates of the family.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

pub mod config;
#[doc(hidden)]
pub mod fuzzing;
