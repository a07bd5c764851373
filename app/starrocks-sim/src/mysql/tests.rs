use super::shim::native_password_scramble;
use super::wire::binary_datetime;

#[test]
fn scramble_matches_a_known_mysql_value() {
    // Verified against MySQL's algorithm: the server stores SHA1(SHA1(pw)) and checks
    // SHA1(scramble XOR SHA1(salt + stored)) == stored.
    use sha1::{Digest, Sha1};
    let salt = b"01234567890123456789";
    let s = native_password_scramble(salt, "s3cret");
    let stored = Sha1::digest(Sha1::digest(b"s3cret"));
    let mut h = Sha1::new();
    h.update(salt);
    h.update(stored);
    let mix = h.finalize();
    let stage1: Vec<u8> = s.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect();
    assert_eq!(Sha1::digest(&stage1).as_slice(), stored.as_slice());
}

#[test]
fn binary_datetimes_render_as_text() {
    assert_eq!(binary_datetime(&[0xe8, 0x07, 5, 28]), "2024-05-28");
    assert_eq!(
        binary_datetime(&[0xe8, 0x07, 5, 28, 19, 53, 17]),
        "2024-05-28 19:53:17"
    );
}
