//! The order in which OVS iterates a string-keyed hash map (`struct shash`), so that output that
//! ovsdb-client prints in that order (the tables of `list-tables`, the columns of
//! `list-columns`, the rows of a monitor update) comes out in the same order here.
//!
//! An `shash` is an `hmap` keyed by `hash_string(name, 0)` (the Murmur3-style `hash_bytes` of
//! OVS builds without SSE 4.2): an array of buckets, each a list with the newest node first,
//! doubled (and rebuilt bucket by bucket) when it holds more than two nodes per bucket.
//! Iteration walks the buckets in index order.

fn mhash_add(hash: u32, data: u32) -> u32 {
    let mut hash = hash;
    if data != 0 {
        let d = data
            .wrapping_mul(0xcc9e_2d51)
            .rotate_left(15)
            .wrapping_mul(0x1b87_3593);
        hash ^= d;
    }
    hash.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64)
}

fn mhash_finish(mut hash: u32) -> u32 {
    hash ^= hash >> 16;
    hash = hash.wrapping_mul(0x85eb_ca6b);
    hash ^= hash >> 13;
    hash = hash.wrapping_mul(0xc2b2_ae35);
    hash ^= hash >> 16;
    hash
}

/// OVS's `hash_string(s, 0)` (little-endian words, as on x86-64).
pub(crate) fn hash_string(s: &str) -> u32 {
    let bytes = s.as_bytes();
    let mut hash = 0u32;
    let mut chunks = bytes.chunks_exact(4);
    for c in &mut chunks {
        hash = mhash_add(hash, u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 4];
        w[..rest.len()].copy_from_slice(rest);
        hash = mhash_add(hash, u32::from_le_bytes(w));
    }
    // `hash_finish(hash, orig_n)` takes the length as a 32-bit word.
    mhash_finish(hash ^ (bytes.len() as u32))
}

fn calc_mask(capacity: usize) -> usize {
    let mut mask = capacity / 2;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    mask |= (mask & 1) << 1;
    mask
}

/// A simulated `shash` holding indexes into the caller's list of names.
struct Shash {
    buckets: Vec<Vec<(u32, usize)>>, // each bucket newest first
    mask: usize,
    n: usize,
}

impl Shash {
    fn new() -> Shash {
        Shash {
            buckets: vec![Vec::new()],
            mask: 0,
            n: 0,
        }
    }

    fn insert_fast(buckets: &mut [Vec<(u32, usize)>], mask: usize, hash: u32, item: usize) {
        buckets[hash as usize & mask].insert(0, (hash, item));
    }

    fn insert(&mut self, hash: u32, item: usize) {
        Self::insert_fast(&mut self.buckets, self.mask, hash, item);
        self.n += 1;
        if self.n / 2 > self.mask {
            let new_mask = calc_mask(self.n);
            if new_mask > self.mask {
                let mut buckets = vec![Vec::new(); new_mask + 1];
                for b in &self.buckets {
                    for &(h, i) in b {
                        Self::insert_fast(&mut buckets, new_mask, h, i);
                    }
                }
                self.buckets = buckets;
                self.mask = new_mask;
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.buckets.iter().flat_map(|b| b.iter().map(|&(_, i)| i))
    }
}

/// The order in which an `shash` filled with `names` (inserted in the given order, a repeated
/// name replacing the earlier one in place) iterates them: indexes into `names`.
pub(crate) fn shash_order<S: AsRef<str>>(names: &[S]) -> Vec<usize> {
    let mut map = Shash::new();
    let mut seen = std::collections::HashSet::new();
    for (i, n) in names.iter().enumerate() {
        if seen.insert(n.as_ref()) {
            map.insert(hash_string(n.as_ref()), i);
        }
    }
    map.iter().collect()
}

/// `names` reordered as an `shash` filled in their order iterates them.
pub(crate) fn shash_sorted<S: AsRef<str> + Clone>(names: &[S]) -> Vec<S> {
    shash_order(names).into_iter().map(|i| names[i].clone()).collect()
}

/// SHA-1 of `data` (FIPS 180-4), for the record headers of OVSDB files (`backup`).
pub(crate) fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, c) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5a82_7999),
                20..=39 => (b ^ c ^ d, 0x6ed9_eba1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_known_answers() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            sha1_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    #[test]
    fn shash_order_is_a_permutation() {
        let names: Vec<String> = (0..50).map(|i| format!("n{i}")).collect();
        let mut o = shash_order(&names);
        o.sort_unstable();
        assert_eq!(o, (0..50).collect::<Vec<_>>());
    }
}
