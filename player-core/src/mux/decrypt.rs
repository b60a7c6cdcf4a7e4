//! HLS `METHOD=AES-128` decryption: AES-128 in CBC mode with PKCS#7 padding over the whole
//! segment (RFC 8216 §5.2), using the RustCrypto `aes` block cipher.
//!
//! The CBC chaining and the padding check are the few lines below rather than the `cbc`
//! crate's generic mode (and `block-padding`): they are what the wasm needs of them, in less
//! code. The tests compare the result with `cbc`'s decryptor.

use aes::cipher::{BlockCipherDecrypt, KeyInit};
use aes::{Aes128, Block};

/// AES block size in bytes.
const BLOCK: usize = 16;
/// Blocks handed to the cipher at once (its software backend decrypts several in parallel).
const CHUNK_BLOCKS: usize = 64;

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
    let cipher = Aes128::new(key.into());
    // Ciphertext of the chunk being decrypted: each plaintext block is the decrypted block
    // XOR the previous ciphertext block (the IV for the first).
    let mut ciphertext = [0u8; CHUNK_BLOCKS * BLOCK];
    let mut previous = iv;
    for chunk in buf.chunks_mut(CHUNK_BLOCKS * BLOCK) {
        let n = chunk.len();
        ciphertext[..n].copy_from_slice(chunk);
        cipher.decrypt_blocks(Block::slice_as_chunks_mut(chunk).0);
        if let Some((first, rest)) = chunk.split_at_mut_checked(BLOCK) {
            first.iter_mut().zip(&previous).for_each(|(b, c)| *b ^= c);
            rest.iter_mut().zip(&ciphertext).for_each(|(b, c)| *b ^= c);
        }
        previous.copy_from_slice(&ciphertext[n - BLOCK..n]);
    }
    // PKCS#7: the last byte n (1 to 16) says how many bytes of value n end the plaintext.
    let pad = buf.last().copied().unwrap_or(0);
    let plain_len = len.wrapping_sub(usize::from(pad));
    let valid = (1..=BLOCK as u8).contains(&pad)
        && buf
            .get(plain_len..)
            .is_some_and(|tail| tail.iter().all(|&b| b == pad));
    if !valid {
        return Err(DecryptError::BadPadding);
    }
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
    use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};

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
    fn same_plaintext_and_padding_verdict_as_the_cbc_crate() {
        let key: [u8; 16] = std::array::from_fn(|i| (i * 37 + 5) as u8);
        let iv: [u8; 16] = std::array::from_fn(|i| (i * 11 + 3) as u8);
        // Several chunks, a chunk boundary, and every padding value; then random
        // ciphertexts, whose padding is mostly invalid.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        };
        let mut cases: Vec<Vec<u8>> = [0usize, 1, 15, 16, 17, 1007, 1008, 1009, 188 * 40]
            .iter()
            .map(|&len| encrypt(&(0..len).map(|_| next()).collect::<Vec<_>>(), &key, iv))
            .collect();
        cases.extend((1..300).map(|blocks| (0..blocks * 16).map(|_| next()).collect()));
        for ct in cases {
            let mut reference = ct.clone();
            let expected = cbc::Decryptor::<aes::Aes128>::new(&key.into(), &iv.into())
                .decrypt_padded::<Pkcs7>(&mut reference)
                .map(<[u8]>::to_vec)
                .map_err(|_| DecryptError::BadPadding);
            assert_eq!(aes128_cbc(&ct, &key, iv), expected, "{} bytes", ct.len());
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
