//! One module per subcommand.

pub mod canary;
pub mod verify;
pub mod xsa;
