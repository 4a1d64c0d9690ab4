//! Use cases shared by the CLI, the web layer and (later) the admin and API,
//! so a rule is written once whichever door a request comes through.

pub mod audience;
pub mod auth;
pub mod comment;
pub mod editorial;
pub mod newsletter;
pub mod publish;
pub mod saving;
pub mod secrets;
pub mod spam;
pub mod totp;
pub mod webhooks;
