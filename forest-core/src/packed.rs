//! The packed layout: six bytes per stored decision node, for small cores.
//!
//! The wide layout of [`Forest`](crate::Forest) spends a feature index and
//! two child references per node (9 bytes and more) so that a host can walk
//! eight trees in lockstep without a branch. A microcontroller walks one
//! tree at a time, where flash is the scarce resource and every instruction
//! of the step counts. [`Packed`] stores per decision node:
//!
//! * a **key** (`u32`): the threshold as an order-preserving integer (see
//!   [`key`]), so a comparison is one integer compare — exact for every `f32`
//!   (no quantisation), and no soft-float call on cores without an FPU;
//! * a **word** (`u16`) holding, from bit 0 up:
//!   - the *column* (`feature_bits` bits): which entry of the row's key row
//!     to compare. Columns `0..n_features` hold `key(x[f])`, columns
//!     `n_features..2·n_features` hold `!key(x[f])`: a *swapped* node, whose
//!     near child is its false side. The generator picks the near child
//!     (the larger subtree when the offset past it fits, else the smaller
//!     one) and swaps the node when that child is the false side;
//!   - the *far* field (the `far_bits` bits between) `v`, with `limit =
//!     2^far_bits - n_classes - 1`: `1 <= v < limit` is the node `i + v`;
//!     `limit <= v < limit + n_classes` is a leaf of class `v - limit`;
//!     `v = limit + n_classes` is an *escape*, for the rare far child too
//!     far away for the field: the node `i + keys[i + 1]`, the offset
//!     stored in the key of a *spacer* slot right after the node (the near
//!     child then follows the spacer);
//!   - the *near* field (the top bits, enough for `n_classes + 2` values):
//!     `0` means the near child is the next node (`i + 1`), `c + 1` means it
//!     is a leaf of class `c`, `n_classes + 1` the node after the spacer
//!     (`i + 2`). On top, one shift both extracts it and tests it for zero.
//!
//! A node goes to its near child iff `row_key[column] <= key`: for a plain
//! node that is `x <= threshold` (NaN, whose key is `u32::MAX`, never is); a
//! swapped node stores `!key(threshold) - 1`, so it goes near iff `x >
//! threshold` or `x` is NaN — the false side, exactly as the wide layout.
//!
//! **The dense form** ([`Packed::new_dense`]) stores the same fields in
//! words only `word_bits` wide (the generator picks the width with the
//! fewest bytes: 9 bits for the tutorial forest), back to back in a byte
//! table padded by three bytes, so that a step reads its word with one
//! 4-byte load, a shift and a mask: 5.25 bytes per node instead of 6, for a
//! few more instructions per step.
//!
//! Leaves cost no storage, subtrees whose leaves all vote for one class are
//! folded into a leaf by the generator (the same vote), and a tree's root
//! reference `r` is a node if `r < n_nodes`, else a leaf of class `r - n_nodes`.
//! Every node reference points forward, which [`Packed::new`] checks with
//! every other invariant, so every walk ends.

use crate::{Error, Index, argmax};
use core::fmt;

/// The order-preserving integer key of an `f32`.
///
/// `2^31 + |x|` for a positive `x`, `2^31 - |x|` for a negative one (with
/// `|x|` the magnitude bits). For any non-NaN `a` and `b`, `a <= b` iff
/// `key(a) <= key(b)` (`-0.0` and `+0.0` share a key), and every NaN maps to
/// `u32::MAX`, above every number's key (at most `0xff80_0000`, +∞) — so
/// `key(x) <= key(t)` decides exactly like `x <= t` for a non-NaN threshold
/// `t`.
#[must_use]
#[inline]
pub const fn key(x: f32) -> u32 {
    let bits = x.to_bits();
    let magnitude = bits & 0x7fff_ffff;
    // All ones for a negative sign, else zero: `2^31 ± magnitude`, branch-free.
    let negative = ((bits as i32) >> 31) as u32;
    let k = 0x8000_0000u32.wrapping_add((magnitude ^ negative).wrapping_sub(negative));
    if magnitude > 0x7f80_0000 { u32::MAX } else { k }
}

/// Bits of the near field for `n_classes` classes (values `0..=n_classes + 1`).
#[must_use]
pub const fn near_bits(n_classes: usize) -> u32 {
    usize::BITS - (n_classes + 1).leading_zeros()
}

/// The decoded shape of a packed word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape {
    column_mask: u32,
    far_shift: u32,
    far_mask: u32,
    near_shift: u32,
    limit: u32,
}

/// The tables of a validated packed forest (see the [module](self) docs).
///
/// `R` is the root-reference type. Build one with [`Packed::new`]; a baked
/// model wraps it in a [`PackedModel`].
#[derive(Clone, Copy)]
pub struct Packed<'a, R: Index> {
    n_features: usize,
    labels: &'a [i64],
    roots: &'a [R],
    words: Words<'a>,
    keys: &'a [u32],
    feature_bits: u32,
    shape: Shape,
}

/// Where the packed words are: one `u16` each, or `bits`-wide fields packed
/// back to back in a byte table (the dense form, see [`dense_len`]).
#[derive(Clone, Copy)]
enum Words<'a> {
    Half(&'a [u16]),
    Bits { bytes: &'a [u8], bits: u32 },
}

impl Words<'_> {
    /// Word `i`, for validation in `const` context (`i` is in range: the
    /// caller checked the table's length; a missing word reads as 0, whose
    /// far offset of 0 validation refuses).
    const fn get(&self, i: usize) -> u32 {
        match *self {
            Words::Half(words) => words[i] as u32,
            Words::Bits { bytes, bits } => match bit_word(bytes, bits, i) {
                Some(w) => w,
                None => 0,
            },
        }
    }
}

/// Word `i` of a dense word table of `bits`-wide words (see [`dense_len`]):
/// one 4-byte little-endian read at its first byte, shifted and masked.
/// `None` if those four bytes are not all in `bytes`.
#[inline(always)]
const fn bit_word(bytes: &[u8], bits: u32, i: usize) -> Option<u32> {
    let p = i.wrapping_mul(bits as usize);
    let o = p / 8;
    if o >= bytes.len() || bytes.len() - o < 4 {
        return None;
    }
    let v = u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    Some((v >> (p % 8)) & ((1 << bits) - 1))
}

/// Bytes of the dense word table of `n_words` words of `word_bits` bits:
/// word `i` is bits `i·word_bits ..` of the little-endian byte string, and
/// three padding bytes let every word be read with one 4-byte load.
#[must_use]
pub const fn dense_len(n_words: usize, word_bits: u32) -> usize {
    (n_words * word_bits as usize).div_ceil(8) + 3
}

/// A table of packed words the walker reads.
trait WordTable: Copy {
    /// Word `i`, `None` past the end.
    fn word(self, i: usize) -> Option<u32>;
}

impl WordTable for &[u16] {
    #[inline(always)]
    fn word(self, i: usize) -> Option<u32> {
        self.get(i).map(|&w| u32::from(w))
    }
}

/// The dense form: `bits`-wide words back to back.
#[derive(Clone, Copy)]
struct BitWords<'a> {
    bytes: &'a [u8],
    bits: u32,
}

impl WordTable for BitWords<'_> {
    #[inline(always)]
    fn word(self, i: usize) -> Option<u32> {
        bit_word(self.bytes, self.bits, i)
    }
}

impl<R: Index> fmt::Debug for Packed<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Packed")
            .field("n_features", &self.n_features)
            .field("n_classes", &self.labels.len())
            .field("n_trees", &self.roots.len())
            .field("n_nodes", &self.keys.len())
            .finish()
    }
}

macro_rules! packed_new {
    ($($r:ty),* $(,)?) => {$(
        impl<'a> Packed<'a, $r> {
            /// Checks the tables and wraps them in a [`Packed`] forest.
            ///
            /// `words` and `keys` hold one entry per stored slot (decision
            /// nodes and spacers); `feature_bits` is the width of the column
            /// field (see the [module](self) docs).
            ///
            /// # Errors
            ///
            /// Every invariant the walker relies on: non-empty trees, classes
            /// and features; equal `words`/`keys` lengths; fields that fit the
            /// 16-bit word ([`Error::PackedShape`]); every column below
            /// `2·n_features`; no key of `u32::MAX` (a NaN threshold); every
            /// node reference a *later* node and every class in range. The
            /// error names the first offending tree or node.
            pub const fn new(
                n_features: usize,
                labels: &'a [i64],
                roots: &'a [$r],
                words: &'a [u16],
                keys: &'a [u32],
                feature_bits: u32,
            ) -> Result<Self, Error> {
                if words.len() != keys.len() {
                    return Err(Error::NodeTablesLengthMismatch);
                }
                Self::validate(n_features, labels, roots, Words::Half(words), 16, keys, feature_bits)
            }

            /// Like [`Packed::new`], for the dense form: `word_bytes` holds
            /// one `word_bits`-wide word per entry of `keys`, back to back
            /// (little-endian bit order, [`dense_len`] bytes with padding).
            ///
            /// # Errors
            ///
            /// As [`Packed::new`]; [`Error::NodeTablesLengthMismatch`] unless
            /// `word_bytes` is exactly [`dense_len`] long, and
            /// [`Error::PackedShape`] unless `word_bits` is at most 16 and
            /// holds every field.
            pub const fn new_dense(
                n_features: usize,
                labels: &'a [i64],
                roots: &'a [$r],
                word_bytes: &'a [u8],
                word_bits: u32,
                keys: &'a [u32],
                feature_bits: u32,
            ) -> Result<Self, Error> {
                if word_bits == 0 || word_bits > 16 {
                    return Err(Error::PackedShape);
                }
                if word_bytes.len() != dense_len(keys.len(), word_bits) {
                    return Err(Error::NodeTablesLengthMismatch);
                }
                let words = Words::Bits { bytes: word_bytes, bits: word_bits };
                Self::validate(n_features, labels, roots, words, word_bits, keys, feature_bits)
            }

            const fn validate(
                n_features: usize,
                labels: &'a [i64],
                roots: &'a [$r],
                words: Words<'a>,
                word_bits: u32,
                keys: &'a [u32],
                feature_bits: u32,
            ) -> Result<Self, Error> {
                let n_nodes = keys.len();
                let n_classes = labels.len();
                if roots.is_empty() {
                    return Err(Error::NoTrees);
                }
                if n_classes == 0 {
                    return Err(Error::NoClasses);
                }
                if n_features == 0 {
                    return Err(Error::NoFeatures);
                }
                let near_bits = near_bits(n_classes);
                // At least offsets 1 and 2, the classes and the escape.
                if feature_bits == 0
                    || feature_bits > 8
                    || 2 * n_features > 1 << feature_bits
                    || feature_bits + near_bits >= word_bits
                    || n_classes + 3 > 1 << (word_bits - feature_bits - near_bits)
                {
                    return Err(Error::PackedShape);
                }
                let far_bits = word_bits - feature_bits - near_bits;
                let limit = (1 << far_bits) - n_classes as u32 - 1;
                if n_nodes + n_classes - 1 > <$r>::MAX as usize {
                    return Err(Error::ChildIndexTypeTooNarrow);
                }
                let shape = Shape {
                    column_mask: (1 << feature_bits) - 1,
                    far_shift: feature_bits,
                    far_mask: (1 << far_bits) - 1,
                    near_shift: word_bits - near_bits,
                    limit,
                };
                let mut tree = 0;
                while tree < roots.len() {
                    if roots[tree] as usize >= n_nodes + n_classes {
                        return Err(Error::RootOutOfRange { tree });
                    }
                    tree += 1;
                }
                let mut node = 0;
                while node < n_nodes {
                    let w = words.get(node);
                    if (w & shape.column_mask) as usize >= 2 * n_features {
                        return Err(Error::NodeFeatureOutOfRange { node });
                    }
                    if keys[node] == u32::MAX {
                        return Err(Error::NodeThresholdNan { node });
                    }
                    let near = (w >> shape.near_shift) as usize;
                    let near_ok = if near == 0 {
                        node + 1 < n_nodes
                    } else if near <= n_classes {
                        true
                    } else {
                        near == n_classes + 1 && node + 2 < n_nodes
                    };
                    let v = (w >> shape.far_shift) & shape.far_mask;
                    let far_ok = if v == 0 {
                        false
                    } else if v < limit {
                        node + (v as usize) < n_nodes
                    } else if ((v - limit) as usize) < n_classes {
                        true
                    } else {
                        // The escape: the offset in the next slot's key.
                        node + 1 < n_nodes
                            && keys[node + 1] != 0
                            && (keys[node + 1] as usize) < n_nodes - node
                    };
                    if !near_ok || !far_ok {
                        return Err(Error::NodeChildOutOfRange { node });
                    }
                    node += 1;
                }
                Ok(Packed {
                    n_features,
                    labels,
                    roots,
                    words,
                    keys,
                    feature_bits,
                    shape,
                })
            }
        }
    )*};
}

packed_new!(u8, u16, u32);

impl<'a, R: Index> Packed<'a, R> {
    /// Number of features a row must have.
    #[must_use]
    pub const fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of classes.
    #[must_use]
    pub const fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// Number of trees.
    #[must_use]
    pub const fn n_trees(&self) -> usize {
        self.roots.len()
    }

    /// Number of stored slots (decision nodes and spacers).
    #[must_use]
    pub const fn n_nodes(&self) -> usize {
        self.keys.len()
    }

    /// Bits per packed word: 16, or the dense form's width.
    #[must_use]
    pub const fn word_bits(&self) -> u32 {
        match self.words {
            Words::Half(_) => 16,
            Words::Bits { bits, .. } => bits,
        }
    }

    /// The original label of each class index.
    #[must_use]
    pub const fn labels(&self) -> &'a [i64] {
        self.labels
    }

    /// Fills `row` (at least `2·n_features` long) with the row's key row.
    fn key_row(&self, x: &[f32], row: &mut [u32]) {
        let (plain, swapped) = row.split_at_mut(self.n_features.min(row.len()));
        for ((p, s), &v) in plain.iter_mut().zip(swapped.iter_mut()).zip(x) {
            *p = key(v);
            *s = !key(v);
        }
    }

    /// Counts every tree's vote into `votes` (overwritten); with `COUNT`,
    /// returns the decision nodes visited. `row` is the key row; a column is
    /// read as `row[column & (row.len() - 1)]`, so a power-of-two length that
    /// covers every column needs no bounds check per step.
    #[inline(always)]
    fn count_votes<const COUNT: bool>(&self, row: &[u32], votes: &mut [u32]) -> usize {
        votes.iter_mut().for_each(|v| *v = 0);
        match self.words {
            Words::Half(words) => {
                let n = words.len().min(self.keys.len());
                // One length for both tables, visible to the optimiser: the
                // loop's own `i < n` test is the only bounds check of a step.
                self.walk::<COUNT, _>(&words[..n], &self.keys[..n], row, votes)
            }
            Words::Bits { bytes, bits } => {
                self.walk::<COUNT, _>(BitWords { bytes, bits }, self.keys, row, votes)
            }
        }
    }

    /// The walk of [`Packed::count_votes`] over one form of word table.
    #[inline(always)]
    fn walk<const COUNT: bool, W: WordTable>(
        &self,
        words: W,
        keys: &[u32],
        row: &[u32],
        votes: &mut [u32],
    ) -> usize {
        let n = keys.len();
        let s = self.shape;
        let n_classes = self.labels.len() as u32;
        let column_mask = (row.len().wrapping_sub(1)) & s.column_mask as usize;
        let mut visited = 0;
        for root in self.roots {
            let mut i = root.get();
            let class = loop {
                // A root at or past `n` is a leaf (`n + class`); past that,
                // node references are validated to stay below `n`.
                let Some(&k) = keys.get(i) else {
                    break i.wrapping_sub(n);
                };
                // Validated to exist; a missing one ends the walk, no vote.
                let Some(w) = words.word(i) else {
                    break usize::MAX;
                };
                if COUNT {
                    visited += 1;
                }
                let x = row
                    .get(w as usize & column_mask)
                    .copied()
                    .unwrap_or(u32::MAX);
                if x <= k {
                    let near = w >> s.near_shift;
                    if near == 0 {
                        i += 1;
                        continue;
                    }
                    if near <= n_classes {
                        break (near - 1) as usize;
                    }
                    // Past the spacer.
                    i += 2;
                    continue;
                }
                let v = (w >> s.far_shift) & s.far_mask;
                if v < s.limit {
                    i = i.wrapping_add(v as usize);
                    continue;
                }
                let c = v - s.limit;
                if c < n_classes {
                    break c as usize;
                }
                // The escape: the spacer's key is the offset (validated; a
                // missing one ends the walk with no vote, not a panic).
                match keys.get(i + 1) {
                    Some(&d) => i = i.wrapping_add(d as usize),
                    None => break usize::MAX,
                }
            };
            if let Some(slot) = votes.get_mut(class) {
                *slot += 1;
            }
        }
        visited
    }

    /// Counts each tree's vote into `votes` (one slot per class, overwritten).
    ///
    /// # Errors
    ///
    /// [`Error::InputLengthMismatch`] if `x` is not one value per feature,
    /// [`Error::VotesLengthMismatch`] if `votes` is not one slot per class.
    pub fn votes_into(&self, x: &[f32], votes: &mut [u32]) -> Result<(), Error> {
        crate::check_row(self.n_features, x)?;
        crate::check_votes(self.labels.len(), votes)?;
        // At most 2·128 columns (`feature_bits <= 8`, checked by `new`).
        let mut row = [0u32; 256];
        self.key_row(x, &mut row);
        self.count_votes::<false>(&row, votes);
        Ok(())
    }

    /// Predicts the class index of `x`, using `votes` (one slot per class)
    /// as scratch space; it holds the vote counts afterwards.
    ///
    /// # Errors
    ///
    /// As [`Packed::votes_into`].
    pub fn predict_into(&self, x: &[f32], votes: &mut [u32]) -> Result<usize, Error> {
        self.votes_into(x, votes)?;
        Ok(argmax(votes))
    }

    /// Like [`Packed::predict_into`], and also returns the number of decision
    /// nodes visited over all trees.
    ///
    /// # Errors
    ///
    /// As [`Packed::votes_into`].
    pub fn predict_counting(&self, x: &[f32], votes: &mut [u32]) -> Result<(usize, usize), Error> {
        crate::check_row(self.n_features, x)?;
        crate::check_votes(self.labels.len(), votes)?;
        let mut row = [0u32; 256];
        self.key_row(x, &mut row);
        let visited = self.count_votes::<true>(&row, votes);
        Ok((argmax(votes), visited))
    }
}

/// A validated packed forest whose feature count `NF`, class count `NC` and
/// key-row length `KW` (`2^feature_bits`) are known at compile time: every
/// call is infallible, needs no buffer and keeps a `KW`-entry key row on the
/// stack.
///
/// This is what `forest-codegen` emits as the baked `static MODEL` for the
/// packed layout; it has the methods of [`Model`](crate::Model).
#[derive(Clone, Copy)]
pub struct PackedModel<'a, R: Index, const NF: usize, const NC: usize, const KW: usize> {
    forest: Packed<'a, R>,
}

impl<R: Index, const NF: usize, const NC: usize, const KW: usize> fmt::Debug
    for PackedModel<'_, R, NF, NC, KW>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PackedModel").field(&self.forest).finish()
    }
}

impl<'a, R: Index, const NF: usize, const NC: usize, const KW: usize>
    PackedModel<'a, R, NF, NC, KW>
{
    /// Fixes the forest's sizes in the type.
    ///
    /// # Errors
    ///
    /// [`Error::FeatureCountMismatch`] or [`Error::ClassCountMismatch`] if
    /// `NF`/`NC` differ from the forest's, [`Error::PackedShape`] unless `KW`
    /// is `2^feature_bits`.
    pub const fn new(forest: Packed<'a, R>) -> Result<Self, Error> {
        if forest.n_features != NF {
            return Err(Error::FeatureCountMismatch);
        }
        if forest.labels.len() != NC {
            return Err(Error::ClassCountMismatch);
        }
        if KW != 1 << forest.feature_bits {
            return Err(Error::PackedShape);
        }
        Ok(PackedModel { forest })
    }

    /// The underlying run-time-sized forest.
    #[must_use]
    pub const fn forest(&self) -> &Packed<'a, R> {
        &self.forest
    }

    /// The key row of `x`: `key(x[c])` in column `c`, `!key(x[c - NF])` in
    /// the swapped columns, 0 in the padding no node reads.
    #[inline(always)]
    fn key_row(x: &[f32; NF]) -> [u32; KW] {
        // Filled with a run-time value rather than zeros: a small core's
        // size-optimised build would otherwise call `memclr` for it.
        let first = x.first().map_or(0, |&v| key(v));
        let mut row = [first; KW];
        for (c, &v) in x.iter().enumerate() {
            if let Some(slot) = row.get_mut(c) {
                *slot = key(v);
            }
            if let Some(slot) = row.get_mut(NF + c) {
                *slot = !key(v);
            }
        }
        row
    }

    /// Counts the votes for `x` into `votes`; with `COUNT`, returns the
    /// decision nodes visited.
    #[inline(always)]
    fn count<const COUNT: bool>(&self, x: &[f32; NF], votes: &mut [u32; NC]) -> usize {
        self.forest.count_votes::<COUNT>(&Self::key_row(x), votes)
    }

    typed_model_methods!();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word for 1 feature (1 column bit) and 2 classes (2 near bits, 13
    /// far bits: offsets below `LIMIT`, leaf `c` is `LIMIT + c`, the escape
    /// `LIMIT + 2`; near 3 skips the spacer).
    const fn word(column: u16, far: u16, near: u16) -> u16 {
        column | (far << 1) | (near << 14)
    }
    const LIMIT: u16 = (1 << 13) - 3;
    const ESCAPE: u16 = LIMIT + 2;

    /// One stump per side: a plain node and a swapped node, both on
    /// threshold 0.5, classes 10 and 20 (true side class 0).
    fn stumps() -> Packed<'static, u8> {
        // Plain: near leaf 0 (field 1), far leaf 1.
        // Swapped: near = false side = leaf 1 (field 2), far = leaf 0.
        const WORDS: [u16; 2] = [word(0, LIMIT + 1, 1), word(1, LIMIT, 2)];
        const KEYS: [u32; 2] = [key(0.5), !key(0.5) - 1];
        Packed::<u8>::new(1, &[10, 20], &[0, 1], &WORDS, &KEYS, 1).unwrap()
    }

    #[test]
    fn plain_and_swapped_nodes_follow_the_prediction_rules() {
        let f = stumps();
        let mut v = [0; 2];
        let cases = [
            (0.5, [2, 0]),
            (f32::from_bits(0.5f32.to_bits() + 1), [0, 2]),
            (f32::NAN, [0, 2]),
            (f32::NEG_INFINITY, [2, 0]),
            (f32::INFINITY, [0, 2]),
            (-0.0, [2, 0]),
        ];
        for (x, expected) in cases {
            f.votes_into(&[x], &mut v).unwrap();
            assert_eq!(v, expected, "x = {x}");
        }
        let m = PackedModel::<u8, 1, 2, 2>::new(f).unwrap();
        assert_eq!(m.votes(&[f32::NAN]), [0, 2]);
        assert_eq!(m.predict_counting(&[0.0]), (0, 2));
        assert_eq!(m.predict_label(&[1.0]), 20);
        assert!(PackedModel::<u8, 1, 2, 4>::new(f).is_err());
    }

    #[test]
    fn validation_names_the_broken_part() {
        fn n(
            nf: usize,
            labels: &[i64],
            roots: &[u8],
            words: &[u16],
            keys: &[u32],
            feature_bits: u32,
        ) -> Result<(), Error> {
            Packed::<u8>::new(nf, labels, roots, words, keys, feature_bits).map(|_| ())
        }
        let k = [key(0.0)];
        let leaves = word(0, LIMIT + 1, 1);
        assert!(n(1, &[1, 2], &[0], &[leaves], &k, 1).is_ok());
        // A far offset of 0 would loop forever.
        assert_eq!(
            n(1, &[1, 2], &[0], &[word(0, 0, 1)], &k, 1).unwrap_err(),
            Error::NodeChildOutOfRange { node: 0 }
        );
        // Near = next node, but there is no next node; near past the spacer
        // with no spacer; a near field above the spacer code.
        for near in [0, 3] {
            assert_eq!(
                n(1, &[1, 2], &[0], &[word(0, LIMIT, near)], &k, 1).unwrap_err(),
                Error::NodeChildOutOfRange { node: 0 }
            );
        }
        // Column 2 of a 1-feature row (2 column bits).
        assert_eq!(
            n(1, &[1, 2], &[0], &[2 | (4 << 2) | (1 << 14)], &k, 2).unwrap_err(),
            Error::NodeFeatureOutOfRange { node: 0 }
        );
        // An escape with no spacer, then with a spacer offset of 0 or past
        // the end.
        let escape = word(0, ESCAPE, 1);
        assert_eq!(
            n(1, &[1, 2], &[0], &[escape], &k, 1).unwrap_err(),
            Error::NodeChildOutOfRange { node: 0 }
        );
        for offset in [0, 2] {
            assert_eq!(
                n(1, &[1, 2], &[0], &[escape, leaves], &[key(0.0), offset], 1).unwrap_err(),
                Error::NodeChildOutOfRange { node: 0 }
            );
        }
        assert_eq!(
            n(1, &[1, 2], &[0], &[leaves], &[u32::MAX], 1).unwrap_err(),
            Error::NodeThresholdNan { node: 0 }
        );
        // 129 features need 9 column bits: more than the word allows.
        assert_eq!(
            n(129, &[1, 2], &[0], &[leaves], &k, 8).unwrap_err(),
            Error::PackedShape
        );
        assert_eq!(
            n(1, &[1, 2], &[3], &[leaves], &k, 1).unwrap_err(),
            Error::RootOutOfRange { tree: 0 }
        );
    }

    #[test]
    fn escapes_and_spacers_are_walked() {
        // Node 0 (x <= 0: near, past its spacer at 1, to node 2; else escape
        // by the spacer's offset 3 to node 3). Node 2: leaves 0 | 1 on
        // x <= -1. Node 3: leaves 1 | 0 on x <= 1. Root 5 is a bare leaf 1.
        let words = [
            word(0, ESCAPE, 3),
            word(0, LIMIT, 1), // the spacer: a valid node if ever reached
            word(0, LIMIT + 1, 1),
            word(0, LIMIT, 2),
        ];
        let keys = [key(0.0), 3, key(-1.0), key(1.0)];
        let f = Packed::<u8>::new(1, &[1, 2], &[0, 5], &words, &keys, 1).unwrap();
        let mut v = [0; 2];
        let cases = [
            (-2.0, (0, 2), [1, 1]),
            (-0.5, (1, 2), [0, 2]),
            (0.5, (1, 2), [0, 2]),
            (2.0, (0, 2), [1, 1]),
            (f32::NAN, (0, 2), [1, 1]),
        ];
        for (x, counted, votes) in cases {
            assert_eq!(f.predict_counting(&[x], &mut v), Ok(counted), "x = {x}");
            assert_eq!(v, votes, "x = {x}");
        }
    }

    /// `words` packed `bits` wide, as `forest-codegen` emits the dense form.
    fn dense_bytes(words: &[u16], bits: u32) -> [u8; 16] {
        let mut out = [0u8; 16];
        for (i, &w) in words.iter().enumerate() {
            let p = i * bits as usize;
            let spread = u32::from(w) << (p % 8);
            for (k, b) in spread.to_le_bytes().iter().take(3).enumerate() {
                out[p / 8 + k] |= b;
            }
        }
        out
    }

    #[test]
    fn the_dense_form_walks_like_the_half_words() {
        // The escape forest of the test above, words re-encoded 8 bits wide
        // (1 column bit, 2 near bits, 5 far bits: LIMIT 29, escape 31).
        const fn w8(column: u16, far: u16, near: u16) -> u16 {
            column | (far << 1) | (near << 6)
        }
        let words = [w8(0, 31, 3), w8(0, 29, 1), w8(0, 30, 1), w8(0, 29, 2)];
        let keys = [key(0.0), 3, key(-1.0), key(1.0)];
        let bytes = dense_bytes(&words, 8);
        let n = dense_len(4, 8);
        assert_eq!(n, 7);
        let f = Packed::<u8>::new_dense(1, &[1, 2], &[0, 5], &bytes[..n], 8, &keys, 1).unwrap();
        assert_eq!(f.word_bits(), 8);
        let mut v = [0; 2];
        for (x, counted, votes) in [
            (-2.0, (0, 2), [1, 1]),
            (-0.5, (1, 2), [0, 2]),
            (2.0, (0, 2), [1, 1]),
            (f32::NAN, (0, 2), [1, 1]),
        ] {
            assert_eq!(f.predict_counting(&[x], &mut v), Ok(counted), "x = {x}");
            assert_eq!(v, votes, "x = {x}");
        }
        // The byte table must be exactly `dense_len` long; widths above 16
        // bits, or too narrow for the fields, are refused.
        let dense = |bytes: &[u8], bits| {
            Packed::<u8>::new_dense(1, &[1, 2], &[0, 5], bytes, bits, &keys, 1).map(|_| ())
        };
        assert_eq!(
            dense(&bytes[..n + 1], 8),
            Err(Error::NodeTablesLengthMismatch)
        );
        assert_eq!(
            dense(&bytes[..n - 1], 8),
            Err(Error::NodeTablesLengthMismatch)
        );
        assert_eq!(
            dense(&bytes[..dense_len(4, 17)], 17),
            Err(Error::PackedShape)
        );
        assert_eq!(dense(&bytes[..dense_len(4, 4)], 4), Err(Error::PackedShape));
        // A corrupted word is caught like a half-word one: far offset 0.
        let mut bad = bytes;
        bad[0] &= !0b11_1110;
        assert_eq!(
            dense(&bad[..n], 8),
            Err(Error::NodeChildOutOfRange { node: 0 })
        );
    }
}
