//! The crate's one error type: what stops a command (a row that cannot be
//! imported is not one: it is reported in the errors file).

use std::path::PathBuf;

/// What stopped a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    File {
        /// Which.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The CSV file is not one this format reads.
    #[error("{0}")]
    Csv(String),
    /// The Worker could not be reached, or refused the request.
    #[error("{0}")]
    Api(String),
    /// An answer was not what the contract says.
    #[error("unexpected answer from the Worker: {0}")]
    Answer(String),
}

impl Error {
    /// A file error at `path`.
    pub fn file(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::File { path: path.to_owned(), source }
    }
}

/// The crate's result.
pub type Result<T> = std::result::Result<T, Error>;
