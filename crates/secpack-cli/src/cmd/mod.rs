//! One module per subcommand.

pub mod args;
pub mod canary;
pub mod completions;
pub mod digest;
pub mod export;
pub mod export_check;
pub mod inbox;
pub mod init;
pub mod key;
pub mod man;
pub mod qsb;
pub mod report;
pub mod serve;
pub mod sign;
pub mod site;
pub mod site_check;
pub mod status;
pub mod tag;
pub mod verify;
pub mod xsa;
