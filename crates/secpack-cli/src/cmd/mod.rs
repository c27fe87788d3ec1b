//! One module per subcommand.

pub mod canary;
pub mod digest;
pub mod export;
pub mod verify;
pub mod xsa;
