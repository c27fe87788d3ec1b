//! One module per subcommand.

pub mod verify;
pub mod xsa;
