//! The built-in KMS as S3 reaches it: a [`KeyProvider`] bound to one request's caller.
//!
//! Every use is authorized as AWS authorizes a KMS call S3 makes on the caller's behalf: the
//! caller is the principal, `kms:ViaService` is `s3.<region>.amazonaws.com`, and the key
//! policy and the caller's policies decide `kms:GenerateDataKey` and `kms:Decrypt`.

use std::sync::Arc;

use async_trait::async_trait;
use rampart_engine::key_provider::{EncryptionContext, KeyProvider, KmsDataKey, KmsUseError};
use rampart_iam::Principal;
use rampart_kms::{Key, KmsError, Zeroizing};
use rampart_policy::ContextKeys;

use crate::AppState;
use crate::authz::RequestInfo;
use crate::authz::kms::{authorize_key, kms_context_keys};

/// The alias of the AWS-managed key S3 uses when a request names no key.
pub const S3_MANAGED_ALIAS: &str = "alias/aws/s3";
/// The bytes of an SSE-KMS data key (AES-256).
const DATA_KEY_LEN: usize = 32;

/// The built-in KMS for one request's caller.
pub struct KmsKeyProvider {
    state: Arc<AppState>,
    principal: Principal,
    info: RequestInfo,
}

/// The key provider S3 uses for a request by `principal`.
pub fn key_provider_for(
    state: &Arc<AppState>,
    principal: &Principal,
    info: &RequestInfo,
) -> Arc<dyn KeyProvider> {
    Arc::new(KmsKeyProvider::new(state, principal, info))
}

fn use_error(e: KmsError) -> KmsUseError {
    match e {
        KmsError::NotFound(m) => KmsUseError::NotFound(m),
        KmsError::Disabled(m) => KmsUseError::Disabled(m),
        KmsError::InvalidState(m) => KmsUseError::InvalidState(m),
        KmsError::InvalidCiphertext | KmsError::IncorrectKey(_) => KmsUseError::InvalidCiphertext(
            "The ciphertext or its encryption context is invalid".into(),
        ),
        other => KmsUseError::Internal(other.to_string()),
    }
}

fn to_context(context: &EncryptionContext) -> rampart_kms::EncryptionContext {
    context.iter().cloned().collect()
}

impl KmsKeyProvider {
    pub fn new(state: &Arc<AppState>, principal: &Principal, info: &RequestInfo) -> Self {
        Self {
            state: state.clone(),
            principal: principal.clone(),
            info: info.clone(),
        }
    }

    /// `s3.<region>.amazonaws.com`, the `kms:ViaService` of S3's calls.
    pub fn via_service(&self) -> String {
        format!("s3.{}.amazonaws.com", self.state.config.region)
    }

    fn account(&self) -> Result<&rampart_types::AccountId, KmsUseError> {
        self.principal.account().map(|a| &a.id).ok_or_else(|| {
            KmsUseError::AccessDenied("Anonymous requests cannot use KMS keys".into())
        })
    }

    /// The caller account's AWS-managed S3 key (`alias/aws/s3`), created on first use.
    pub async fn default_s3_key(&self) -> Result<Key, KmsUseError> {
        let account = self.account()?;
        self.state
            .kms
            .aws_managed_key(account, "s3")
            .await
            .map_err(use_error)
    }

    /// The ARN of the caller account's AWS-managed S3 key, created on first use: what S3
    /// uses when SSE-KMS is asked for without a key id.
    pub async fn default_s3_key_arn(&self) -> Result<String, KmsUseError> {
        Ok(self.default_s3_key().await?.arn)
    }

    /// Resolves a key id, key ARN, alias name or alias ARN; the caller's own
    /// `alias/aws/s3` (by name or ARN) is created on first use.
    async fn resolve(&self, key_id: &str) -> Result<Key, KmsUseError> {
        let account = self.account()?;
        let kms = &self.state.kms;
        let own_managed = kms.alias_arn(account, S3_MANAGED_ALIAS);
        if key_id.is_empty() || key_id == S3_MANAGED_ALIAS || key_id == own_managed {
            return self.default_s3_key().await;
        }
        kms.resolve(account, key_id).await.map_err(use_error)
    }

    fn authorize(
        &self,
        action: &str,
        key: &Key,
        context: &rampart_kms::EncryptionContext,
    ) -> Result<(), KmsUseError> {
        let mut extra: ContextKeys = kms_context_keys(&self.principal, Some(context));
        extra.set("kms:ViaService", self.via_service());
        extra.set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        authorize_key(&self.state, &self.principal, &self.info, action, key, extra)
            .map_err(|d| KmsUseError::AccessDenied(d.message))
    }
}

#[async_trait]
impl KeyProvider for KmsKeyProvider {
    async fn generate_data_key(
        &self,
        key_id: &str,
        context: &EncryptionContext,
    ) -> Result<KmsDataKey, KmsUseError> {
        let context = to_context(context);
        let key = self.resolve(key_id).await?;
        self.authorize("kms:GenerateDataKey", &key, &context)?;
        let (plaintext, ciphertext_blob) = self
            .state
            .kms
            .generate_data_key(&key, DATA_KEY_LEN, &context)
            .await
            .map_err(use_error)?;
        Ok(KmsDataKey {
            key_arn: key.arn,
            plaintext,
            ciphertext_blob,
        })
    }

    async fn decrypt(
        &self,
        key_arn: &str,
        ciphertext_blob: &[u8],
        context: &EncryptionContext,
    ) -> Result<Zeroizing<Vec<u8>>, KmsUseError> {
        let context = to_context(context);
        let key = self.resolve(key_arn).await?;
        let (account, id) = self
            .state
            .kms
            .ciphertext_key(ciphertext_blob)
            .map_err(use_error)?;
        if account != key.account || id != key.id {
            return Err(use_error(KmsError::InvalidCiphertext));
        }
        self.authorize("kms:Decrypt", &key, &context)?;
        self.state
            .kms
            .decrypt(&key, ciphertext_blob, &context)
            .await
            .map_err(use_error)
    }

    async fn key_arn(&self, key_id: &str) -> Result<String, KmsUseError> {
        Ok(self.resolve(key_id).await?.arn)
    }
}
