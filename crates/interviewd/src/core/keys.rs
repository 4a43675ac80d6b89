//! API-key secrets: `sk_` + base62 of 256 random bits. Only a SHA-256 hash is stored; a
//! presented key is found by its hash and the hashes are compared in constant time. A
//! slow KDF is unnecessary: the secret has full entropy, so its hash cannot be guessed.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A freshly generated secret and its hash.
pub struct NewSecret {
    /// The full key, shown once.
    pub secret: String,
    /// What is stored.
    pub hash: Vec<u8>,
    /// A short, non-secret prefix for listings.
    pub prefix: String,
}

/// Generates a new key secret (43 base62 characters ≥ 256 bits, plus the `sk_` prefix).
pub fn generate() -> Result<NewSecret, getrandom::Error> {
    // Rejection sampling keeps every character uniform: bytes ≥ 248 (= 4·62) are redrawn.
    let mut out = String::from("sk_");
    let mut buf = [0u8; 64];
    while out.len() < 3 + 43 {
        getrandom::fill(&mut buf)?;
        for b in buf {
            if b < 248 && out.len() < 3 + 43 {
                out.push(char::from(BASE62[usize::from(b % 62)]));
            }
        }
    }
    let hash = hash(&out);
    let prefix = out[..10].to_owned();
    Ok(NewSecret {
        secret: out,
        hash,
        prefix,
    })
}

/// SHA-256 of the presented secret.
pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Whether the shape is plausible (cheap rejection before touching the database).
pub fn looks_valid(secret: &str) -> bool {
    secret.len() >= 20
        && secret.len() <= 128
        && secret.starts_with("sk_")
        && secret[3..].bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Constant-time equality of two hashes.
pub fn hashes_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// A random base62 token of `len` characters (invite links, webhook message ids).
pub fn random_token(len: usize) -> Result<String, getrandom::Error> {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf)?;
        for b in buf {
            if b < 248 && out.len() < len {
                out.push(char::from(BASE62[usize::from(b % 62)]));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_unique_and_base62() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.len(), 46);
        assert!(looks_valid(&a.secret));
        assert!(hashes_equal(&hash(&a.secret), &a.hash));
        assert!(!hashes_equal(&a.hash, &b.hash));
        // 43 base62 characters carry 43·log2(62) ≈ 256.03 bits.
        assert!(43.0 * 62f64.log2() >= 256.0);
    }
}
