//! Command-line options for debugging: the gdb stub and trace filters.

/// Debugging options of `heron run`.
#[derive(clap::Args, Debug, Default)]
pub struct DebugArgs {}
