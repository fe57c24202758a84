//! Secrets at rest: a long-lived AWS secret access key is stored only encrypted, with a key from
//! the environment (`WATCHPOST_SECRET_KEY`, 64 hex characters), by XChaCha20-Poly1305 with a
//! random nonce per value. The connection id is the associated data, so a ciphertext copied to
//! another connection's row does not decrypt.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::error::{AppError, AppResult};

const NONCE_LEN: usize = 24;

#[derive(Clone)]
pub struct SecretCipher {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretCipher([redacted])")
    }
}

impl SecretCipher {
    /// From 64 hex characters (32 bytes), e.g. `openssl rand -hex 32`.
    pub fn from_hex(raw: &str) -> Result<Self, String> {
        let bytes = hex::decode(raw.trim()).map_err(|_| "WATCHPOST_SECRET_KEY must be 64 hex characters".to_string())?;
        if bytes.len() != 32 {
            return Err("WATCHPOST_SECRET_KEY must be 64 hex characters (32 bytes)".into());
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| "bad key length".to_string())?;
        Ok(Self { cipher })
    }

    pub fn seal(&self, connection: &str, plaintext: &str) -> AppResult<Vec<u8>> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: connection.as_bytes(),
                },
            )
            .map_err(|_| AppError::Internal { reference: "seal".into() })?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, connection: &str, stored: &[u8]) -> AppResult<String> {
        let broken = || {
            AppError::Upstream {
            code: "SecretUnreadable".into(),
            detail: format!(
                "the stored secret of connection {connection} cannot be decrypted with WATCHPOST_SECRET_KEY (was the key changed?); enter the secret again"
            ),
            status: 502,
        }
        };
        if stored.len() <= NONCE_LEN {
            return Err(broken());
        }
        let (nonce, sealed) = stored.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: connection.as_bytes(),
                },
            )
            .map_err(|_| broken())?;
        String::from_utf8(plain).map_err(|_| broken())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn round_trip_bound_to_the_connection() {
        let c = SecretCipher::from_hex(KEY).expect("key");
        let sealed = c.seal("prod", "wJalrXUtnFEMI/K7MDENG").expect("seal");
        assert!(!sealed.windows(5).any(|w| w == b"wJalr"), "plaintext must not appear");
        assert_eq!(c.open("prod", &sealed).expect("open"), "wJalrXUtnFEMI/K7MDENG");
        assert!(c.open("staging", &sealed).is_err(), "bound to its connection");
        let other = SecretCipher::from_hex(&"ab".repeat(32)).expect("key");
        assert!(other.open("prod", &sealed).is_err(), "another key cannot read it");
        assert_ne!(
            c.seal("prod", "x").expect("seal"),
            c.seal("prod", "x").expect("seal"),
            "fresh nonce"
        );
        assert!(SecretCipher::from_hex("abc").is_err());
        assert!(format!("{c:?}").contains("redacted"));
    }
}
