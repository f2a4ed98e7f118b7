#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error(transparent)]
    Store(#[from] rampart_store::StoreError),
    #[error("corrupt identity record: {0}")]
    Corrupt(String),
}
