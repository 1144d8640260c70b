//! Nothing but the package of `tests/ui.rs`: trybuild snapshots of the compile errors of
//! `network!` when nnet is built without its `std` feature.
#![no_std]
