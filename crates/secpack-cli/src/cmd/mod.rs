//! One module per subcommand.

pub mod canary;
pub mod export;
pub mod site;
pub mod verify;
pub mod xsa;
