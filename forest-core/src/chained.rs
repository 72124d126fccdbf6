//! The chained layout: a host walks [`LANES`] chains of trees with no
//! bookkeeping between trees.
//!
//! The sibling layout's host walker steps eight trees in lockstep and, every
//! few steps, gives each lane that reached a leaf the next tree: a pass over
//! every lane whose next root depends on how many lanes before it finished,
//! paid about once per three steps. The chained layout moves that work into
//! the tables. The trees are dealt round-robin into [`LANES`] *lanes*
//! (tree `t` into lane `t % LANES`), and in each lane every leaf of a tree
//! *is* the root of the lane's next tree: the entry a leaf's parent steps to
//! holds a copy of the next root's record, with the leaf's vote added to its
//! offset. A walk of a lane therefore passes through its trees one after the
//! other, one step per decision node, and the host walks its lanes in
//! lockstep until every one is done: nothing happens between trees.
//!
//! Per entry `j` (as in the [sibling](crate::sibling) layout):
//!
//! * a **key** (`u32`): `key(threshold) + 1` of the decision the entry
//!   makes, `0` for an entry that only moves on (`0 + !key(x)` never
//!   carries);
//! * a **delta** (`u32`): the entry's false child is `j + (delta & mask)`,
//!   its true child one further, where `mask = entries - 1` (the entry count
//!   is a power of two). The bits above `mask` are *votes*: the walk adds the
//!   whole delta to its reference, so a reference carries, above its entry
//!   index, one counter per class `c >= 1` of `vote_bits` bits (class `c`'s
//!   counter starts at bit `log2(entries) + (c - 1) * vote_bits`). Class 0's
//!   votes are the trees not counted for another class;
//! * a **column**: the feature the decision reads, of a
//!   [`Column`] type with exactly as many values as
//!   the key row.
//!
//! Key and delta are one `u64` *record*, `key << 32 | delta`, and the row
//! holds `!key(x) << 32` per feature: one 64-bit add of the two carries out
//! exactly when the key's add would, and leaves the delta in its low half,
//! so a step is two table loads (record, column), the row load, the add and
//! `j = j + delta + carry` — the sibling layout's step with one load fewer
//! (on the tutorial model about 1.2× faster than three separate tables).
//! The entry index is masked before the loads. The last entry
//! (`entries - 1`) is the *terminal*: key and delta 0, a self-loop, where
//! every lane's walk ends, after the leaves of its last tree (their entries
//! move on to the terminal with the vote). Entries between the last record
//! and the terminal are padding that also moves on to it. Every other entry
//! points strictly forward, which [`Chained::new`] checks with every other
//! invariant, so every walk ends.
//!
//! A lane's walk starts at its *start* entry: the root of its first tree
//! (with the votes of any single-leaf trees before it), or the terminal for
//! a lane with no tree. A prediction ends with each lane's reference holding
//! its votes; summing the counters over the lanes gives the forest's votes.
//!
//! The price is space: every leaf becomes an entry (a copy of a root), and
//! the tables are padded to a power of two — 9 bytes per entry, about twice
//! the sibling layout's per decision node. `forest-codegen` bakes it on
//! 64-bit hosts for forests of at most [`AUTO_MAX_ENTRIES`] entries (the
//! sibling layout beyond). Small cores walk the lanes one after the other.

use crate::packed::key;
use crate::sibling::{Column, Column2, Column4, Column8, Column16, Column32, Column64, Column128};
use crate::{Error, argmax};
use core::fmt;

/// Lanes the generator deals the trees into, and the host walks in
/// lockstep: chosen by timing 8, 10, 12, 14 and 16 lanes over the tutorial
/// forest in alternating rounds (more lanes spill to the stack, fewer leave
/// loads waiting).
pub const LANES: usize = 10;

/// Entries up to which `forest-codegen` prefers this layout on a 64-bit host
/// (2.3 MiB of tables); bigger forests get the sibling layout, whose tables
/// are about half the size. The largest forest measured, the big forest of
/// `cargo xtask bench` (262,144 entries), walked 1.16× to 1.43× faster
/// chained than sibling (baked, three runs).
pub const AUTO_MAX_ENTRIES: usize = 1 << 18;

/// Lockstep steps between two checks whether every lane is done.
const STEPS_PER_CHECK: usize = 2;

/// The tables of a validated chained forest (see the [module](self) docs).
///
/// `C` is the column type. Build one with [`Chained::new`]; a baked model
/// wraps it in a [`ChainedModel`].
#[derive(Clone, Copy)]
pub struct Chained<'a, C: Column = u8> {
    n_features: usize,
    n_trees: usize,
    /// Entries with a decision (key not 0): decision nodes, and the copies of
    /// a root at the leaves of the tree before it.
    n_decisions: usize,
    labels: &'a [i64],
    starts: &'a [u32],
    /// `key << 32 | delta` per entry.
    records: &'a [u64],
    columns: &'a [C],
    /// `log2(entries)`: the first vote bit of a reference.
    shift: u32,
    vote_bits: u32,
}

impl<C: Column> fmt::Debug for Chained<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chained")
            .field("n_features", &self.n_features)
            .field("n_classes", &self.labels.len())
            .field("n_trees", &self.n_trees)
            .field("lanes", &self.starts.len())
            .field("entries", &self.records.len())
            .field("vote_bits", &self.vote_bits)
            .finish()
    }
}

/// Bits of a vote counter for `n_trees` trees dealt into `lanes` lanes: a
/// lane holds at most `n_trees.div_ceil(lanes)` of them.
#[must_use]
pub const fn vote_bits(n_trees: usize, lanes: usize) -> u32 {
    if lanes == 0 {
        return 0;
    }
    usize::BITS - n_trees.div_ceil(lanes).leading_zeros()
}

macro_rules! chained_new {
    ($($c:ty),* $(,)?) => {$(
        impl<'a> Chained<'a, $c> {
            /// Checks the tables and wraps them in a [`Chained`] forest.
            ///
            /// `starts` holds each lane's first entry; `records` (`key << 32 |
            /// delta`) and `columns` one value per entry; `vote_bits` the
            /// width of each class's vote counter (see the [module](self)
            /// docs).
            ///
            /// # Errors
            ///
            /// Every invariant the walker relies on: trees, classes and
            /// features; equal table lengths
            /// ([`Error::NodeTablesLengthMismatch`]); a power-of-two entry
            /// count, at least one lane, and counters wide enough for a
            /// lane's trees that fit above the entry index in 32 bits
            /// ([`Error::ChainedShape`]); every column below `n_features`; no
            /// NaN threshold key; every entry but the last pointing strictly
            /// forward with its children inside the tables
            /// ([`Error::NodeChildOutOfRange`]); the last entry a self-loop
            /// ([`Error::EntryNotSelfLoop`]); every start an entry
            /// ([`Error::RootOutOfRange`], naming the lane). The error names
            /// the first offending entry.
            #[allow(clippy::too_many_arguments)]
            pub const fn new(
                n_features: usize,
                labels: &'a [i64],
                n_trees: usize,
                starts: &'a [u32],
                records: &'a [u64],
                columns: &'a [$c],
                vote_bits: u32,
            ) -> Result<Self, Error> {
                let entries = records.len();
                let n_classes = labels.len();
                if n_trees == 0 {
                    return Err(Error::NoTrees);
                }
                if n_classes == 0 {
                    return Err(Error::NoClasses);
                }
                if n_features == 0 {
                    return Err(Error::NoFeatures);
                }
                if columns.len() != entries {
                    return Err(Error::NodeTablesLengthMismatch);
                }
                if entries < 2 || !entries.is_power_of_two() || starts.is_empty() {
                    return Err(Error::ChainedShape);
                }
                let shift = entries.trailing_zeros();
                if shift >= 32 {
                    return Err(Error::ChainedShape);
                }
                // Every counter holds a lane's trees, and every counter fits
                // above the entry index.
                let lane_trees = n_trees.div_ceil(starts.len());
                let counters = (n_classes - 1) as u64;
                if (n_classes > 1 && (vote_bits == 0 || vote_bits >= 32
                        || (lane_trees >> vote_bits) != 0))
                    || shift as u64 + counters * vote_bits as u64 > 32
                {
                    return Err(Error::ChainedShape);
                }
                let last = entries - 1;
                let mut lane = 0;
                while lane < starts.len() {
                    if starts[lane] as usize > last {
                        return Err(Error::RootOutOfRange { tree: lane });
                    }
                    lane += 1;
                }
                if records[last] != 0 {
                    return Err(Error::EntryNotSelfLoop { entry: last });
                }
                // The key of `+∞`, plus one: the largest a threshold can have.
                let max_key = key(f32::INFINITY) + 1;
                let mut n_decisions = 0;
                let mut entry = 0;
                while entry < last {
                    if columns[entry] as usize >= n_features {
                        return Err(Error::NodeFeatureOutOfRange { node: entry });
                    }
                    let k = (records[entry] >> 32) as u32;
                    if k > max_key {
                        return Err(Error::NodeThresholdNan { node: entry });
                    }
                    let to = records[entry] as u32 as usize & last;
                    // Forward, and both children (one when the key never
                    // carries) inside the tables: the index never spills
                    // into the vote bits.
                    let carry = (k != 0) as usize;
                    if to == 0 || to + carry > last - entry {
                        return Err(Error::NodeChildOutOfRange { node: entry });
                    }
                    n_decisions += carry;
                    entry += 1;
                }
                Ok(Chained {
                    n_features,
                    n_trees,
                    n_decisions,
                    labels,
                    starts,
                    records,
                    columns,
                    shift,
                    vote_bits,
                })
            }
        }
    )*};
}

chained_new!(
    u8, Column2, Column4, Column8, Column16, Column32, Column64, Column128
);

impl<'a, C: Column> Chained<'a, C> {
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
        self.n_trees
    }

    /// Number of lanes the trees are dealt into.
    #[must_use]
    pub const fn lanes(&self) -> usize {
        self.starts.len()
    }

    /// Number of entries (a power of two: records, padding, the terminal).
    #[must_use]
    pub const fn n_entries(&self) -> usize {
        self.records.len()
    }

    /// Number of entries that make a decision: decision nodes, and the
    /// copies of a root at the leaves of the tree before it in its lane.
    #[must_use]
    pub const fn n_decision_entries(&self) -> usize {
        self.n_decisions
    }

    /// The original label of each class index.
    #[must_use]
    pub const fn labels(&self) -> &'a [i64] {
        self.labels
    }

    /// Counts every tree's vote into `votes` (overwritten); with `COUNT`,
    /// returns the decision nodes visited. `row` holds `!key(x[c]) << 32` in
    /// column `c`; a row of `KW` = [`Column::WIDTH`] entries needs no bounds
    /// check.
    ///
    /// On 64-bit hosts, tables with [`LANES`] lanes are walked in lockstep
    /// (branch-free: a finished lane steps in place on the terminal); small
    /// cores, and counting, walk the lanes one after the other.
    #[inline(always)]
    fn count_votes<const COUNT: bool, const KW: usize>(
        &self,
        row: &[u64; KW],
        votes: &mut [u32],
    ) -> usize {
        let tables = Tables {
            records: self.records,
            columns: self.columns,
        };
        votes.iter_mut().for_each(|v| *v = 0);
        let mut visited = 0;
        if crate::LOCKSTEP && !COUNT && self.starts.len() == LANES {
            let [refs] = tables.lockstep::<LANES, KW, 1>(self.starts, [row]);
            for r in refs {
                self.add_votes(r, votes);
            }
        } else {
            for &start in self.starts {
                let (r, steps) = tables.walk::<COUNT, KW>(start, row);
                visited += steps;
                self.add_votes(r, votes);
            }
        }
        self.count_class_zero(votes);
        visited
    }

    /// Counts the votes of two rows' key rows `a` and `b` (as
    /// [`Chained::count_votes`]): on 64-bit hosts with [`LANES`] lanes, the
    /// two rows' lanes in one lockstep walk.
    #[inline(always)]
    fn count_pair<const KW: usize>(
        &self,
        a: &[u64; KW],
        b: &[u64; KW],
        votes_a: &mut [u32],
        votes_b: &mut [u32],
    ) {
        if !(crate::LOCKSTEP && self.starts.len() == LANES) {
            self.count_votes::<false, KW>(a, votes_a);
            self.count_votes::<false, KW>(b, votes_b);
            return;
        }
        let tables = Tables {
            records: self.records,
            columns: self.columns,
        };
        let refs = tables.lockstep::<LANES, KW, 2>(self.starts, [a, b]);
        for (lanes, votes) in refs.into_iter().zip([votes_a, votes_b]) {
            votes.iter_mut().for_each(|v| *v = 0);
            for r in lanes {
                self.add_votes(r, votes);
            }
            self.count_class_zero(votes);
        }
    }

    /// Gives class 0 the trees no other class counted (a saturating
    /// subtraction: the validated tables never count more).
    #[inline(always)]
    fn count_class_zero(&self, votes: &mut [u32]) {
        let others: u32 = votes.iter().sum();
        if let Some(zero) = votes.first_mut() {
            *zero = (self.n_trees as u32).saturating_sub(others);
        }
    }

    /// Adds the vote counters of a finished lane's reference `r` to `votes`
    /// (classes 1 and up).
    #[inline(always)]
    fn add_votes(&self, r: u32, votes: &mut [u32]) {
        // `shift < 32` (validated: at least one index bit below 32).
        let mut counters = r.checked_shr(self.shift).unwrap_or(0);
        let field = (1u32 << (self.vote_bits % 32)).wrapping_sub(1);
        for v in votes.iter_mut().skip(1) {
            *v += counters & field;
            counters = counters.checked_shr(self.vote_bits).unwrap_or(0);
        }
    }

    /// Counts each tree's vote into `votes` (one slot per class, overwritten).
    ///
    /// # Errors
    ///
    /// [`Error::InputLengthMismatch`] if `x` is not one value per feature,
    /// [`Error::VotesLengthMismatch`] if `votes` is not one slot per class.
    pub fn votes_into(&self, x: &[f32], votes: &mut [u32]) -> Result<(), Error> {
        self.count::<false>(x, votes).map(|_| ())
    }

    /// Predicts the class index of `x`, using `votes` (one slot per class)
    /// as scratch space; it holds the vote counts afterwards.
    ///
    /// # Errors
    ///
    /// As [`Chained::votes_into`].
    pub fn predict_into(&self, x: &[f32], votes: &mut [u32]) -> Result<usize, Error> {
        self.count::<false>(x, votes).map(|_| argmax(votes))
    }

    /// Like [`Chained::predict_into`], and also returns the number of
    /// decision nodes visited over all trees. It walks one lane at a time,
    /// also on hosts.
    ///
    /// # Errors
    ///
    /// As [`Chained::votes_into`].
    pub fn predict_counting(&self, x: &[f32], votes: &mut [u32]) -> Result<(usize, usize), Error> {
        let visited = self.count::<true>(x, votes)?;
        Ok((argmax(votes), visited))
    }

    /// Predicts two rows in one walk: the class indices of `a` and `b`,
    /// with their vote counts left in `votes_a` and `votes_b` (one slot per
    /// class each). The same answers as two calls of
    /// [`Chained::predict_into`]; on 64-bit hosts the two rows' lanes are
    /// walked in one lockstep. Through these run-time-sized tables that
    /// gains less than through a baked model's
    /// ([`ChainedModel::predict_pair`]): `cargo xtask bench`, six runs on
    /// the 2-core machine, 2026-12-03, against two calls of `predict_into`:
    /// 0.84× to 1.01× on the tutorial forest, 1.03× to 1.11× on the big one.
    ///
    /// # Errors
    ///
    /// As [`Chained::votes_into`], for either row.
    pub fn predict_pair_into(
        &self,
        a: &[f32],
        b: &[f32],
        votes_a: &mut [u32],
        votes_b: &mut [u32],
    ) -> Result<(usize, usize), Error> {
        crate::check_row(self.n_features, a)?;
        crate::check_row(self.n_features, b)?;
        crate::check_votes(self.labels.len(), votes_a)?;
        crate::check_votes(self.labels.len(), votes_b)?;
        match self.n_features {
            0..=4 => self.pair_row::<4>(a, b, votes_a, votes_b),
            5..=8 => self.pair_row::<8>(a, b, votes_a, votes_b),
            9..=16 => self.pair_row::<16>(a, b, votes_a, votes_b),
            17..=32 => self.pair_row::<32>(a, b, votes_a, votes_b),
            33..=64 => self.pair_row::<64>(a, b, votes_a, votes_b),
            _ => self.pair_row::<256>(a, b, votes_a, votes_b),
        }
        Ok((argmax(votes_a), argmax(votes_b)))
    }

    /// [`Chained::count_pair`] over key rows of `KW` entries.
    fn pair_row<const KW: usize>(
        &self,
        a: &[f32],
        b: &[f32],
        votes_a: &mut [u32],
        votes_b: &mut [u32],
    ) {
        let (mut row_a, mut row_b) = ([0u64; KW], [0u64; KW]);
        for (r, &v) in row_a.iter_mut().zip(a) {
            *r = row_value(v);
        }
        for (r, &v) in row_b.iter_mut().zip(b) {
            *r = row_value(v);
        }
        self.count_pair::<KW>(&row_a, &row_b, votes_a, votes_b);
    }

    fn count<const COUNT: bool>(&self, x: &[f32], votes: &mut [u32]) -> Result<usize, Error> {
        crate::check_row(self.n_features, x)?;
        crate::check_votes(self.labels.len(), votes)?;
        // A key row as short as the features allow (every column is below
        // `n_features`, validated): filling 256 entries cost more than the
        // walk of a small forest.
        Ok(match self.n_features {
            0..=4 => self.count_row::<COUNT, 4>(x, votes),
            5..=8 => self.count_row::<COUNT, 8>(x, votes),
            9..=16 => self.count_row::<COUNT, 16>(x, votes),
            17..=32 => self.count_row::<COUNT, 32>(x, votes),
            33..=64 => self.count_row::<COUNT, 64>(x, votes),
            _ => self.count_row::<COUNT, 256>(x, votes),
        })
    }

    /// [`Chained::count_votes`] over a key row of `KW` entries (at most 256
    /// features, validated).
    fn count_row<const COUNT: bool, const KW: usize>(&self, x: &[f32], votes: &mut [u32]) -> usize {
        let mut row = [0u64; KW];
        for (r, &v) in row.iter_mut().zip(x) {
            *r = row_value(v);
        }
        self.count_votes::<COUNT, KW>(&row, votes)
    }
}

/// The row value of `x`: `!key(x)` in the high half, to be added to a
/// record (`key << 32 | delta`).
#[inline(always)]
fn row_value(x: f32) -> u64 {
    u64::from(!key(x)) << 32
}

/// A chained forest's per-entry tables.
struct Tables<'t, C: Column> {
    records: &'t [u64],
    columns: &'t [C],
}

/// The tables cut to one length `last + 1`, visible to the optimiser in the
/// function that walks them: an index masked with `last` needs no bounds
/// check.
#[derive(Clone, Copy)]
struct Cut<'t, C: Column> {
    last: usize,
    records: &'t [u64],
    columns: &'t [C],
}

impl<'t, C: Column> Tables<'t, C> {
    /// The tables cut to the records' length (`None` if they are empty or
    /// the columns shorter: never for validated tables).
    #[inline(always)]
    fn cut(&self) -> Option<Cut<'t, C>> {
        let n = self.records.len();
        Some(Cut {
            last: n.checked_sub(1)?,
            records: self.records,
            columns: self.columns.get(..n)?,
        })
    }

    /// Walks one lane from `start` to the terminal: its final reference
    /// (votes above the index) and, with `COUNT`, the decisions made.
    #[inline(always)]
    fn walk<const COUNT: bool, const KW: usize>(
        &self,
        start: u32,
        row: &[u64; KW],
    ) -> (u32, usize) {
        let Some(t) = self.cut() else {
            return (start, 0);
        };
        let mut r = start;
        let mut visited = 0;
        // Validated: every entry but the last points strictly forward, so
        // this ends within `last` steps.
        while r as usize & t.last != t.last {
            let (next, decision) = t.step(r, row);
            if COUNT {
                visited += usize::from(decision);
            }
            r = next;
        }
        (r, visited)
    }

    /// Walks `L` lanes of each of `R` key rows in lockstep until every one
    /// is at the terminal (its index all ones), checking every
    /// [`STEPS_PER_CHECK`] steps; a done lane steps in place. Returns the
    /// final references, per row.
    ///
    /// Never inlined: on its own, one row's lanes and the table bases fit an
    /// x86-64 host's registers.
    #[inline(never)]
    fn lockstep<const L: usize, const KW: usize, const R: usize>(
        &self,
        starts: &[u32],
        rows: [&[u64; KW]; R],
    ) -> [[u32; L]; R] {
        let Some(t) = self.cut() else {
            return [[0; L]; R];
        };
        // Entries are validated to fit `u32`.
        let last = t.last as u32;
        let mut lanes = [last; L];
        for (r, &s) in lanes.iter_mut().zip(starts) {
            *r = s;
        }
        let mut refs = [lanes; R];
        loop {
            for _ in 0..STEPS_PER_CHECK {
                for k in 0..L {
                    // Lane `k` of each row, next to each other: the rows'
                    // loads are independent.
                    for (lanes, row) in refs.iter_mut().zip(rows) {
                        if let Some(r) = lanes.get_mut(k) {
                            *r = t.step(*r, row).0;
                        }
                    }
                }
            }
            if refs.iter().flatten().fold(last, |all, &r| all & r) == last {
                return refs;
            }
        }
    }
}

impl<C: Column> Cut<'_, C> {
    /// One step from reference `r`: the next reference, and whether the
    /// entry made a decision.
    #[inline(always)]
    fn step<const KW: usize>(&self, r: u32, row: &[u64; KW]) -> (u32, bool) {
        let i = r as usize & self.last;
        let (Some(&record), Some(&c)) = (self.records.get(i), self.columns.get(i)) else {
            return (r, false);
        };
        let x = row.get(c.index()).copied().unwrap_or(0);
        advance::<{ crate::LOCKSTEP }>(r, record, x)
    }
}

/// The step from reference `r` over `record` with row value `x` (`!key(x)
/// << 32`): the next reference, and whether the record decides (key not 0).
///
/// The high halves add `k + !key(x)`, which carries out iff `key(x) < k`,
/// i.e. `x <= threshold`: the true child, one past the false one; the low
/// half is the delta (the row value's is 0). Validated: the index stays
/// below the table length, so it never carries into the vote bits. A
/// 64-bit host adds the whole words (`ADD64`), a 32-bit core the high words
/// only: the same carry.
#[inline(always)]
fn advance<const ADD64: bool>(r: u32, record: u64, x: u64) -> (u32, bool) {
    let key = (record >> 32) as u32;
    let (delta, true_side) = if ADD64 {
        let (sum, carry) = record.overflowing_add(x);
        (sum as u32, carry)
    } else {
        (record as u32, key.overflowing_add((x >> 32) as u32).1)
    };
    (r.carrying_add(delta, true_side).0, key != 0)
}

/// A validated chained forest whose feature count `NF`, class count `NC`
/// and key-row length `KW` (the column type's [`Column::WIDTH`]) are known at
/// compile time: every call is infallible and needs no buffer.
///
/// This is what `forest-codegen` emits as the baked `static MODEL` for the
/// chained layout; it has the methods of [`Model`](crate::Model).
#[derive(Clone, Copy)]
pub struct ChainedModel<'a, C: Column, const NF: usize, const NC: usize, const KW: usize> {
    forest: Chained<'a, C>,
}

impl<C: Column, const NF: usize, const NC: usize, const KW: usize> fmt::Debug
    for ChainedModel<'_, C, NF, NC, KW>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ChainedModel").field(&self.forest).finish()
    }
}

impl<'a, C: Column, const NF: usize, const NC: usize, const KW: usize>
    ChainedModel<'a, C, NF, NC, KW>
{
    /// Fixes the forest's sizes in the type.
    ///
    /// # Errors
    ///
    /// [`Error::FeatureCountMismatch`] or [`Error::ClassCountMismatch`] if
    /// `NF`/`NC` differ from the forest's, [`Error::PackedShape`] unless `KW`
    /// is the column type's [`Column::WIDTH`].
    pub const fn new(forest: Chained<'a, C>) -> Result<Self, Error> {
        if forest.n_features != NF {
            return Err(Error::FeatureCountMismatch);
        }
        if forest.labels.len() != NC {
            return Err(Error::ClassCountMismatch);
        }
        if KW != C::WIDTH {
            return Err(Error::PackedShape);
        }
        Ok(ChainedModel { forest })
    }

    /// The underlying run-time-sized forest.
    #[must_use]
    pub const fn forest(&self) -> &Chained<'a, C> {
        &self.forest
    }

    /// Counts the votes for `x` into `votes`; with `COUNT`, returns the
    /// decision nodes visited.
    #[inline(always)]
    fn count<const COUNT: bool>(&self, x: &[f32; NF], votes: &mut [u32; NC]) -> usize {
        self.forest
            .count_votes::<COUNT, KW>(&Self::key_row(x), votes)
    }

    /// The key row of `x`: `!key(x[c]) << 32` in column `c`.
    #[inline(always)]
    fn key_row(x: &[f32; NF]) -> [u64; KW] {
        // Filled with a run-time value rather than zeros: a small core's
        // size-optimised build would otherwise call `memclr` for it.
        let first = x.first().map_or(0, |&v| row_value(v));
        let mut row = [first; KW];
        for (r, &v) in row.iter_mut().zip(x) {
            *r = row_value(v);
        }
        row
    }

    typed_model_methods!(own_batch);

    /// Predicted class indices of two rows, in one walk: the same answers
    /// as [`predict`](Self::predict) of each. On 64-bit hosts both rows'
    /// lanes are walked in one lockstep: twice as many table loads in
    /// flight. `cargo xtask bench` times it against `predict` row by row in
    /// alternating rounds; fourteen runs on the 2-core machine, 2026-12-03:
    /// 1.05× to 1.20× as fast on the big forest (262,144 entries, 2.3 MiB;
    /// twelve runs 1.15× or more), 0.92× to 1.05× on the tutorial forest
    /// (8,192 entries, 74 KiB; ten runs 1.01× or more). `predict_batch`
    /// pairs whatever the size: the loss on small tables is within the
    /// noise, the gain on large ones is not.
    #[must_use]
    pub fn predict_pair(&self, a: &[f32; NF], b: &[f32; NF]) -> (usize, usize) {
        let (mut votes_a, mut votes_b) = ([0; NC], [0; NC]);
        self.forest.count_pair::<KW>(
            &Self::key_row(a),
            &Self::key_row(b),
            &mut votes_a,
            &mut votes_b,
        );
        (argmax(&votes_a), argmax(&votes_b))
    }

    /// Predicts a batch: `out[i]` gets the class index of `rows[i]`; extra
    /// slots on either side are left alone. Returns the number of rows done.
    /// Same answers as `predict` row by row; the rows are walked two at a
    /// time ([`predict_pair`](Self::predict_pair)).
    pub fn predict_batch(&self, rows: &[[f32; NF]], out: &mut [usize]) -> usize {
        let n = rows.len().min(out.len());
        let (Some(rows), Some(out)) = (rows.get(..n), out.get_mut(..n)) else {
            return 0;
        };
        let mut pairs = rows.chunks_exact(2);
        let mut slots = out.chunks_exact_mut(2);
        for (pair, slot) in (&mut pairs).zip(&mut slots) {
            if let ([a, b], [slot_a, slot_b]) = (pair, slot) {
                (*slot_a, *slot_b) = self.predict_pair(a, b);
            }
        }
        // An odd row out.
        for (row, slot) in pairs.remainder().iter().zip(slots.into_remainder()) {
            *slot = self.predict(row);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stump keys: `key(t) + 1`.
    const fn k(t: f32) -> u32 {
        key(t) + 1
    }

    /// Three classes (labels 10, 20, 30), one feature, two trees in one lane
    /// (counters of 2 bits above the 3 index bits: class 1 adds 8, class 2
    /// adds 32):
    /// tree A: `x <= 0.5 ? class 2 : class 0`;
    /// tree B: `x <= -1 ? class 1 : class 2`.
    /// Entry 0 is A's root (the lane start); entries 1 and 2 its leaves, each
    /// a copy of B's root with the leaf's vote; entries 3 and 4 B's leaves,
    /// moving on to the terminal (7) with their votes; 5 and 6 pad.
    const KEYS: [u32; 8] = [k(0.5), k(-1.0), k(-1.0), 0, 0, 0, 0, 0];
    const DELTAS: [u32; 8] = [1, 2, 1 + 32, 4 + 32, 3 + 8, 2, 1, 0];
    const RECORDS: [u64; 8] = records(&KEYS, &DELTAS);
    const COLUMNS: [u8; 8] = [0; 8];

    /// `key << 32 | delta` per entry.
    const fn records(keys: &[u32; 8], deltas: &[u32; 8]) -> [u64; 8] {
        let mut r = [0; 8];
        let mut i = 0;
        while i < 8 {
            r[i] = (keys[i] as u64) << 32 | deltas[i] as u64;
            i += 1;
        }
        r
    }
    const LABELS: [i64; 3] = [10, 20, 30];

    fn forest(starts: &'static [u32]) -> Chained<'static> {
        Chained::<u8>::new(1, &LABELS, 2, starts, &RECORDS, &COLUMNS, 2).unwrap()
    }

    /// The same lane among [`LANES`] (the others start at the terminal):
    /// the host's lockstep path.
    static STARTS_ALL: [u32; LANES] = {
        let mut s = [7; LANES];
        s[3] = 0;
        s
    };

    #[test]
    fn steps_follow_the_prediction_rules() {
        for forest in [forest(&[0]), forest(&STARTS_ALL)] {
            for (x, votes) in [
                (-2.0, [0, 1, 1]),
                (-1.0, [0, 1, 1]),
                ((-1.0f32).next_up(), [0, 0, 2]),
                (0.0, [0, 0, 2]),
                (-0.0, [0, 0, 2]),
                (0.5, [0, 0, 2]),
                (0.5f32.next_up(), [1, 0, 1]),
                (f32::NEG_INFINITY, [0, 1, 1]),
                (f32::INFINITY, [1, 0, 1]),
                (f32::NAN, [1, 0, 1]),
            ] {
                let mut v = [0; 3];
                let (class, visited) = forest.predict_counting(&[x], &mut v).unwrap();
                assert_eq!((v, visited), (votes, 2), "x = {x}");
                assert_eq!(class, argmax(&votes));
                let mut lockstep = [9; 3];
                assert_eq!(forest.predict_into(&[x], &mut lockstep), Ok(class));
                assert_eq!(lockstep, votes, "x = {x}");
            }
            assert_eq!(
                forest.predict_into(&[0.0, 1.0], &mut [0; 3]),
                Err(Error::InputLengthMismatch {
                    expected: 1,
                    found: 2
                })
            );
            assert_eq!(
                forest.votes_into(&[0.0], &mut [0; 2]),
                Err(Error::VotesLengthMismatch {
                    expected: 3,
                    found: 2
                })
            );
        }
        let forest = forest(&STARTS_ALL);
        assert_eq!(
            (
                forest.lanes(),
                forest.n_entries(),
                forest.n_decision_entries()
            ),
            (LANES, 8, 3)
        );
    }

    #[test]
    fn a_typed_model_with_an_enum_column_walks_alike() {
        static COLUMNS2: [Column2; 8] = [Column2::C1; 8];
        static MODEL: ChainedModel<'static, Column2, 2, 3, 2> =
            match Chained::<Column2>::new(2, &LABELS, 2, &STARTS_ALL, &RECORDS, &COLUMNS2, 2) {
                Ok(forest) => match ChainedModel::new(forest) {
                    Ok(model) => model,
                    Err(_) => panic!("shape"),
                },
                Err(_) => panic!("tables"),
            };
        let runtime = forest(&[0]);
        for x in [-2.0, -1.0, 0.0, 0.5, 1.0, f32::NAN, f32::INFINITY] {
            let mut v = [0; 3];
            let (class, visited) = runtime.predict_counting(&[x], &mut v).unwrap();
            // The model reads column 1.
            assert_eq!(MODEL.votes(&[9.0, x]), v);
            assert_eq!(MODEL.predict_counting(&[9.0, x]), (class, visited));
            assert_eq!(MODEL.predict_label(&[9.0, x]), LABELS[class]);
            assert_eq!(MODEL.predict_proba(&[9.0, x]), v.map(|n| n as f32 / 2.0));
        }
        let forest = *MODEL.forest();
        assert_eq!(
            ChainedModel::<Column2, 2, 3, 4>::new(forest).unwrap_err(),
            Error::PackedShape
        );
        assert_eq!(
            ChainedModel::<Column2, 1, 3, 2>::new(forest).unwrap_err(),
            Error::FeatureCountMismatch
        );
    }

    /// Rows of the example: every vote pattern, ±0, NaN and the infinities.
    const XS: [f32; 10] = [
        -2.0,
        -1.0,
        -0.999_999_94,
        -0.0,
        0.0,
        0.5,
        0.500_000_06,
        f32::NEG_INFINITY,
        f32::INFINITY,
        f32::NAN,
    ];

    #[test]
    fn two_rows_walk_like_one_row_each() {
        for forest in [forest(&[0]), forest(&STARTS_ALL)] {
            for a in XS {
                for b in XS {
                    let (mut va, mut vb) = ([9; 3], [9; 3]);
                    let classes = forest.predict_pair_into(&[a], &[b], &mut va, &mut vb);
                    let (mut wa, mut wb) = ([0; 3], [0; 3]);
                    let expected = (
                        forest.predict_into(&[a], &mut wa).unwrap(),
                        forest.predict_into(&[b], &mut wb).unwrap(),
                    );
                    assert_eq!(classes, Ok(expected), "a = {a}, b = {b}");
                    assert_eq!((va, vb), (wa, wb), "a = {a}, b = {b}");
                }
            }
            // Either row or either buffer of the wrong length is refused.
            let mut v = [0; 3];
            let wrong_row = Err(Error::InputLengthMismatch {
                expected: 1,
                found: 2,
            });
            let wrong_votes = Err(Error::VotesLengthMismatch {
                expected: 3,
                found: 2,
            });
            assert_eq!(
                forest.predict_pair_into(&[0.0], &[0.0, 1.0], &mut v, &mut [0; 3]),
                wrong_row
            );
            assert_eq!(
                forest.predict_pair_into(&[0.0, 1.0], &[0.0], &mut v, &mut [0; 3]),
                wrong_row
            );
            assert_eq!(
                forest.predict_pair_into(&[0.0], &[0.0], &mut v, &mut [0; 2]),
                wrong_votes
            );
            assert_eq!(
                forest.predict_pair_into(&[0.0], &[0.0], &mut [0; 2], &mut v),
                wrong_votes
            );
        }
    }

    #[test]
    fn a_batch_in_pairs_predicts_each_row() {
        static MODEL: ChainedModel<'static, u8, 1, 3, 256> =
            match Chained::<u8>::new(1, &LABELS, 2, &STARTS_ALL, &RECORDS, &COLUMNS, 2) {
                Ok(forest) => match ChainedModel::new(forest) {
                    Ok(model) => model,
                    Err(_) => panic!("shape"),
                },
                Err(_) => panic!("tables"),
            };
        let rows: Vec<[f32; 1]> = XS.iter().chain(XS.iter().rev()).map(|&x| [x]).collect();
        let each: Vec<usize> = rows.iter().map(|r| MODEL.predict(r)).collect();
        // Each row with the next, and with itself.
        for (i, row) in rows.iter().enumerate() {
            let j = (i + 1) % rows.len();
            assert_eq!(MODEL.predict_pair(row, &rows[j]), (each[i], each[j]));
            assert_eq!(MODEL.predict_pair(row, row), (each[i], each[i]));
        }
        // Even and odd counts; fewer slots than rows and more; none.
        for n in [0usize, 1, 2, 3, 19, 20] {
            for slots in [n.saturating_sub(1), n, n + 2] {
                let mut paired = vec![usize::MAX; slots];
                let mut single = vec![usize::MAX; slots];
                let done = MODEL.predict_batch(&rows[..n], &mut paired);
                assert_eq!(done, n.min(slots));
                assert_eq!(
                    crate::batch(&rows[..n], &mut single, |r| MODEL.predict(r)),
                    done
                );
                assert_eq!(paired, single, "{n} rows, {slots} slots");
                assert_eq!(paired[..done], each[..done]);
                assert!(paired[done..].iter().all(|&c| c == usize::MAX));
            }
        }
    }

    #[test]
    fn a_small_core_adds_the_high_words_alike() {
        // Every record of the example against row values at, around and far
        // from its key, NaN and the infinities, from references with vote
        // bits set: the 32-bit step equals the 64-bit one.
        let mut xs = vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0];
        for t in [0.5f32, -1.0, 3.25e-39, f32::MAX] {
            xs.extend([t, t.next_up(), t.next_down(), -t]);
        }
        for &record in &RECORDS {
            for &x in &xs {
                for r in [0u32, 5, 0x28, 0xffff_fff8] {
                    let v = row_value(x);
                    assert_eq!(
                        advance::<true>(r, record, v),
                        advance::<false>(r, record, v),
                        "record {record:#x}, x = {x}, r = {r:#x}"
                    );
                }
            }
        }
        // And the carry is the threshold rule: `x <= 0.5` takes the true
        // child (one further), NaN the false one.
        assert_eq!(advance::<false>(0, RECORDS[0], row_value(0.5)), (2, true));
        assert_eq!(
            advance::<false>(0, RECORDS[0], row_value(f32::NAN)),
            (1, true)
        );
    }

    #[test]
    fn validation_names_the_broken_part() {
        fn n(keys: &[u32], deltas: &[u32], starts: &[u32], bits: u32) -> Result<(), Error> {
            let records: Vec<u64> = keys
                .iter()
                .zip(deltas)
                .map(|(&k, &d)| u64::from(k) << 32 | u64::from(d))
                .collect();
            let columns = [0u8; 16];
            Chained::<u8>::new(
                1,
                &LABELS,
                2,
                starts,
                &records,
                &columns[..keys.len()],
                bits,
            )
            .map(|_| ())
        }
        let with = |at: usize, d: u32| {
            let mut deltas = DELTAS;
            deltas[at] = d;
            deltas
        };
        assert!(n(&KEYS, &DELTAS, &[0], 2).is_ok());
        // An entry pointing back, at itself, or (true child) past the end.
        for (at, d) in [(4, 0x1f), (1, 0), (2, 32), (2, 5 + 32)] {
            assert_eq!(
                n(&KEYS, &with(at, d), &[0], 2),
                Err(Error::NodeChildOutOfRange { node: at }),
                "entry {at}, delta {d:#x}"
            );
        }
        // A key-0 entry may move on to the terminal, one that decides not.
        assert!(n(&KEYS, &with(3, 4), &[0], 2).is_ok());
        let mut keys = KEYS;
        keys[3] = k(0.0);
        assert_eq!(
            n(&keys, &DELTAS, &[0], 2),
            Err(Error::NodeChildOutOfRange { node: 3 })
        );
        // The terminal is a self-loop.
        assert_eq!(
            n(&KEYS, &with(7, 8), &[0], 2),
            Err(Error::EntryNotSelfLoop { entry: 7 })
        );
        keys = KEYS;
        keys[7] = 1;
        assert_eq!(
            n(&keys, &DELTAS, &[0], 2),
            Err(Error::EntryNotSelfLoop { entry: 7 })
        );
        // A power-of-two entry count, a lane, wide enough counters: two trees
        // in one lane need 2 bits; 33 bits do not fit.
        assert_eq!(
            n(&KEYS[..6], &DELTAS[..6], &[0], 2),
            Err(Error::ChainedShape)
        );
        assert_eq!(
            n(&KEYS[..1], &DELTAS[..1], &[0], 2),
            Err(Error::ChainedShape)
        );
        assert_eq!(n(&KEYS, &DELTAS, &[], 2), Err(Error::ChainedShape));
        assert_eq!(n(&KEYS, &DELTAS, &[0], 1), Err(Error::ChainedShape));
        assert_eq!(n(&KEYS, &DELTAS, &[0], 15), Err(Error::ChainedShape));
        assert!(n(&KEYS, &DELTAS, &[0], 14).is_ok());
        // Two lanes of one tree each: 1 bit is enough.
        assert!(n(&KEYS, &DELTAS, &[0, 7], 1).is_ok());
        assert_eq!(
            n(&KEYS, &DELTAS, &[0, 8], 2),
            Err(Error::RootOutOfRange { tree: 1 })
        );
        assert_eq!(
            Chained::<u8>::new(1, &LABELS, 2, &[0], &RECORDS, &COLUMNS[..7], 2).unwrap_err(),
            Error::NodeTablesLengthMismatch
        );
        keys = KEYS;
        keys[2] = key(f32::NAN);
        assert_eq!(
            n(&keys, &DELTAS, &[0], 2),
            Err(Error::NodeThresholdNan { node: 2 })
        );
        assert_eq!(
            Chained::<u8>::new(1, &LABELS, 2, &[0], &RECORDS, &[0, 0, 1, 0, 0, 0, 0, 0], 2)
                .unwrap_err(),
            Error::NodeFeatureOutOfRange { node: 2 }
        );
        assert_eq!(
            Chained::<u8>::new(1, &LABELS, 0, &[0], &RECORDS, &COLUMNS, 2).unwrap_err(),
            Error::NoTrees
        );
        assert_eq!(
            Chained::<u8>::new(1, &[], 2, &[0], &RECORDS, &COLUMNS, 2).unwrap_err(),
            Error::NoClasses
        );
        assert_eq!(vote_bits(100, 10), 4);
        assert_eq!(vote_bits(101, 10), 4);
        assert_eq!(vote_bits(160, 10), 5);
        assert_eq!(vote_bits(1, 10), 1);
    }
}
