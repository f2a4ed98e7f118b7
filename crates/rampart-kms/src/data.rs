//! The cryptographic operations: Encrypt, GenerateDataKey and Decrypt.

use rampart_types::AccountId;
use zeroize::Zeroizing;

use crate::ciphertext::{self, BlobHeader, EncryptionContext};
use crate::error::{KmsError, Result};
use crate::rotation::require_enabled;
use crate::{Key, Kms};

/// Encrypt's plaintext limit, in bytes.
pub const MAX_ENCRYPT_PLAINTEXT: usize = 4096;
/// GenerateDataKey's NumberOfBytes bounds.
pub const MAX_DATA_KEY_BYTES: usize = 1024;

impl Kms {
    /// Encrypt: at most 4 KiB under the key's current material.
    pub async fn encrypt(
        &self,
        key: &Key,
        plaintext: &[u8],
        context: &EncryptionContext,
    ) -> Result<Vec<u8>> {
        if plaintext.is_empty() || plaintext.len() > MAX_ENCRYPT_PLAINTEXT {
            return Err(KmsError::Validation(format!(
                "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and {MAX_ENCRYPT_PLAINTEXT}"
            )));
        }
        let (rec, _) = self.load_live(&key.account, &key.id).await?;
        require_enabled(&rec, &key.arn)?;
        let current = rec
            .materials
            .last()
            .ok_or_else(|| KmsError::Corrupt(format!("key {} has no material", rec.id)))?;
        let material = self.open_material(&rec, current)?;
        let header = BlobHeader {
            account: rec.account.to_string(),
            key_id: rec.id.clone(),
            material_version: current.version,
        };
        Ok(ciphertext::seal(&header, &material, plaintext, context))
    }

    /// GenerateDataKey: `len` random bytes, and the same encrypted under the key.
    pub async fn generate_data_key(
        &self,
        key: &Key,
        len: usize,
        context: &EncryptionContext,
    ) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>)> {
        if len == 0 || len > MAX_DATA_KEY_BYTES {
            return Err(KmsError::Validation(format!(
                "1 validation error detected: Value '{len}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and {MAX_DATA_KEY_BYTES}"
            )));
        }
        let mut plaintext = Zeroizing::new(vec![0u8; len]);
        getrandom::fill(&mut plaintext).expect("the operating system's random source failed");
        let blob = self.encrypt(key, &plaintext, context).await?;
        Ok((plaintext, blob))
    }

    /// The account and key id a ciphertext blob was made under (to find and authorize the
    /// key before opening it).
    pub fn ciphertext_key(&self, blob: &[u8]) -> Result<(AccountId, String)> {
        let (header, _) = ciphertext::parse_header(blob)?;
        let account = AccountId::parse(&header.account).ok_or(KmsError::InvalidCiphertext)?;
        Ok((account, header.key_id))
    }

    /// Decrypt a blob made under `key`, with the context it was made with.
    pub async fn decrypt(
        &self,
        key: &Key,
        blob: &[u8],
        context: &EncryptionContext,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let (header, _) = ciphertext::parse_header(blob)?;
        if header.key_id != key.id || header.account != key.account.as_str() {
            return Err(KmsError::InvalidCiphertext);
        }
        let (rec, _) = self.load_live(&key.account, &key.id).await?;
        require_enabled(&rec, &key.arn)?;
        let material = rec
            .materials
            .iter()
            .find(|m| m.version == header.material_version)
            .ok_or(KmsError::InvalidCiphertext)?;
        let material = self.open_material(&rec, material)?;
        ciphertext::open(blob, &material, context)
    }
}
