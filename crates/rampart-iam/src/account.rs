use rampart_types::{AccountId, CanonicalUserId, Owner};
use serde::{Deserialize, Serialize};

use crate::IamError;

/// An account: the unit that owns buckets and objects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub canonical_id: CanonicalUserId,
    pub display_name: String,
}

impl Account {
    /// A new account with a random 12-digit id and a random 256-bit canonical id.
    pub fn generate(display_name: &str) -> Self {
        let mut raw = [0u8; 40];
        getrandom::fill(&mut raw).expect("the operating system's random source failed");
        let digits: String = raw[..12]
            .iter()
            .enumerate()
            // A leading zero would read as an 11-digit number to many tools.
            .map(|(i, b)| char::from(b'0' + if i == 0 { 1 + b % 9 } else { b % 10 }))
            .collect();
        let id = AccountId::parse(&digits).expect("12 generated digits form an account id");
        let canonical_id = CanonicalUserId::parse(&hex::encode(&raw[8..40]))
            .expect("64 lowercase hex characters form a canonical id");
        Self {
            id,
            canonical_id,
            display_name: display_name.to_owned(),
        }
    }

    pub fn owner(&self) -> Owner {
        Owner {
            account_id: self.id.clone(),
            canonical_id: self.canonical_id.clone(),
            display_name: self.display_name.clone(),
        }
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, IamError> {
        rmp_serde::to_vec_named(self).map_err(|e| IamError::Corrupt(e.to_string()))
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, IamError> {
        rmp_serde::from_slice(bytes).map_err(|e| IamError::Corrupt(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_well_formed_and_distinct() {
        let a = Account::generate("a");
        let b = Account::generate("b");
        assert_ne!(a.id, b.id);
        assert_ne!(a.canonical_id, b.canonical_id);
        assert_ne!(a.id.as_str().as_bytes()[0], b'0');
        assert_eq!(Account::decode(&a.encode().unwrap()).unwrap(), a);
    }
}
