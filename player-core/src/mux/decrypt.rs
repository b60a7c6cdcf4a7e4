//! HLS `METHOD=AES-128` decryption: AES-128 in CBC mode with PKCS#7 padding over the whole
//! segment (RFC 8216 §5.2), using the RustCrypto `aes` and `cbc` crates.

use aes::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};

type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

/// AES block size in bytes.
const BLOCK: usize = 16;

/// Why a segment could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// The ciphertext is empty or not a whole number of 16-byte blocks: a truncated or
    /// unencrypted segment.
    #[error("ciphertext length {len} is not a positive multiple of 16 bytes")]
    BadLength {
        /// Length of the ciphertext in bytes.
        len: usize,
    },
    /// The PKCS#7 padding of the last block is invalid: almost always a wrong key or IV.
    #[error("invalid PKCS#7 padding after decryption (wrong key or IV, or corrupt segment)")]
    BadPadding,
}

/// Decrypts `data` into a new buffer.
pub fn aes128_cbc(data: &[u8], key: &[u8; 16], iv: [u8; 16]) -> Result<Vec<u8>, DecryptError> {
    let mut buf = data.to_vec();
    aes128_cbc_in_place(&mut buf, key, iv)?;
    Ok(buf)
}

/// Decrypts `buf` in place and truncates the padding; on error `buf` is left partly decrypted.
pub fn aes128_cbc_in_place(
    buf: &mut Vec<u8>,
    key: &[u8; 16],
    iv: [u8; 16],
) -> Result<(), DecryptError> {
    let len = buf.len();
    if len == 0 || !len.is_multiple_of(BLOCK) {
        return Err(DecryptError::BadLength { len });
    }
    let plain_len = Aes128CbcDec::new(key.into(), &iv.into())
        .decrypt_padded::<Pkcs7>(buf)
        .map_err(|_| DecryptError::BadPadding)?
        .len();
    buf.truncate(plain_len);
    Ok(())
}

/// The IV HLS uses when a key has no `IV` attribute: the media sequence number as a
/// 128-bit big-endian integer.
pub fn iv_from_sequence(media_sequence: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[8..].copy_from_slice(&media_sequence.to_be_bytes());
    iv
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockModeEncrypt;

    fn encrypt(plain: &[u8], key: &[u8; 16], iv: [u8; 16]) -> Vec<u8> {
        let mut buf = plain.to_vec();
        buf.resize(plain.len() + BLOCK - plain.len() % BLOCK, 0);
        let n = cbc::Encryptor::<aes::Aes128>::new(key.into(), &iv.into())
            .encrypt_padded::<Pkcs7>(&mut buf, plain.len())
            .expect("buffer has room for padding")
            .len();
        buf.truncate(n);
        buf
    }

    #[test]
    fn round_trip_and_sequence_iv() {
        let key = [7u8; 16];
        let iv = iv_from_sequence(0x0102_0304_0506_0708);
        assert_eq!(iv, [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
        for len in [0usize, 1, 15, 16, 17, 188 * 7] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let ct = encrypt(&plain, &key, iv);
            assert_eq!(ct.len() % 16, 0);
            assert_eq!(aes128_cbc(&ct, &key, iv), Ok(plain));
        }
    }

    #[test]
    fn wrong_key_and_bad_length_are_typed_errors() {
        let key = [7u8; 16];
        let iv = [9u8; 16];
        let ct = encrypt(&[0x47u8; 188 * 3], &key, iv);
        assert_eq!(
            aes128_cbc(&ct, &[8u8; 16], iv),
            Err(DecryptError::BadPadding)
        );
        assert_eq!(
            aes128_cbc(&ct[..40], &key, iv),
            Err(DecryptError::BadLength { len: 40 })
        );
        assert_eq!(
            aes128_cbc(&[], &key, iv),
            Err(DecryptError::BadLength { len: 0 })
        );
    }
}
