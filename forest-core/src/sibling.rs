//! The sibling layout: the fewest operations per step, on a small core and
//! on a host.
//!
//! The packed layout spends a test and a branch per step on leaf flags and
//! a bounds check on the next slot. The sibling layout stores a node's two
//! children side by side, so one offset reaches both, and gives leaves
//! references past the stored records, so the loop's bounds test is also
//! its leaf test. Per stored *record* `j`:
//!
//! * a **key** (`u32`): `key(threshold) + 1` (see [`key`]) for a decision
//!   node, `0` for a *forwarding* record (below);
//! * a **column**: the feature the node reads, of a [`Column`] type with
//!   exactly as many values as the key row has entries (`u8` for 256, an
//!   enum such as [`Column4`] for 4), so the row read needs no bounds check;
//! * a **delta** (`R`): the node's false (right) child is `j + delta`, its
//!   true (left) child `j + delta + 1`.
//!
//! A prediction turns the row into `!key(x)` per feature. Then `k + !key(x)`
//! carries out of 32 bits exactly when `key(x) < k`, that is `x <= threshold`
//! (a NaN `x`, whose key is `u32::MAX`, never carries: it goes false, as in
//! every layout), and a step is `j = j + delta + carry` — on a Cortex-M4F an
//! `adds`/`adcs` pair, eight instructions in all with the three table loads,
//! the row load and the loop test `j < n_nodes`.
//!
//! **Leaves.** A reference `r >= n_nodes` is a leaf: slot `r - leaf_base` of
//! the *leaf-slot* table, which names its class. `leaf_base` is `n_nodes`
//! rounded up to the *tally length* (the leaf-slot count rounded up to a
//! power of two), so the walk tallies slot `r & (tally - 1)` with one mask,
//! and the slots are summed per class once per prediction. The generator
//! orders the slots so that the two leaf children of each node are adjacent
//! slots (false, then true) and every class has one. When a two-class
//! forest's slots alternate `0, 1, 0, …` from an even `leaf_base`, a leaf's
//! class is its reference's lowest bit, and the walk just adds that bit up.
//!
//! **Forwarding records.** When one child is a node and the other a leaf,
//! the pair of records holds the node and a forwarding record: key `0`
//! (`0 + !key(x)` never carries), so its walk goes to `j + delta`, the leaf.
//! It is a step, not a decision: the visit counts skip it. A forest whose
//! trees are single leaves needs no record at all: the root is a leaf slot.
//!
//! **Sinks.** The per-entry tables hold the records (up to the first entry
//! with delta 0, which is how `n_nodes` is known), then padding up to
//! `leaf_base`, then one *sink* per leaf slot: key, column and delta 0, a
//! self-loop, so every leaf reference is also an entry. A small core walks
//! the records only (its bounds test is the leaf test); a 64-bit host walks
//! eight trees in lockstep over every entry, a finished tree stepping in
//! place on its sink, and every few steps gives each lane at a leaf the
//! next tree.
//!
//! Every reference points forward (deltas are at least 1), which
//! [`Sibling::new`] checks with every other invariant, so every walk ends.

use crate::packed::key;
use crate::{Error, Index, argmax};
use core::fmt;

pub use crate::columns::{Column2, Column4, Column8, Column16, Column32, Column64, Column128};

pub(crate) mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
}

/// The type of the sibling layout's column table: `u8`, or an enum with
/// exactly [`Column::WIDTH`] values ([`Column2`] … [`Column128`]).
pub trait Column: Copy + sealed::Sealed + fmt::Debug + 'static {
    /// Number of values: the length of the key row it indexes.
    const WIDTH: usize;
    /// The value as an index below [`Column::WIDTH`].
    fn index(self) -> usize;
}

impl Column for u8 {
    const WIDTH: usize = 256;
    #[inline(always)]
    fn index(self) -> usize {
        usize::from(self)
    }
}

/// Steps between the host walker's refills (on the tutorial forest, 3 was
/// faster than 2 and 4 when this was chosen).
const REFILL_STEPS: usize = 3;

/// The most leaf slots a sibling forest may have.
pub const MAX_LEAF_SLOTS: usize = 256;

/// The tally length for `slots` leaf slots: the next power of two.
#[must_use]
pub const fn tally_len(slots: usize) -> usize {
    slots.next_power_of_two()
}

/// The first leaf reference of a sibling forest of `n_nodes` records and
/// `slots` leaf slots: `n_nodes` rounded up to [`tally_len`]`(slots)`.
#[must_use]
pub const fn leaf_base(n_nodes: usize, slots: usize) -> usize {
    n_nodes.next_multiple_of(tally_len(slots))
}

/// The tables of a validated sibling forest (see the [module](self) docs).
///
/// `R` is the type of root references and deltas, `C` that of columns. Build
/// one with [`Sibling::new`]; a baked model wraps it in a [`SiblingModel`].
#[derive(Clone, Copy)]
pub struct Sibling<'a, R: Index, C: Column = u8> {
    n_features: usize,
    /// Records: decision nodes and forwarding records; the tables hold the
    /// padding and the sinks after them.
    n_nodes: usize,
    /// Records that are decision nodes (the others forward to a leaf).
    n_decisions: usize,
    labels: &'a [i64],
    roots: &'a [R],
    keys: &'a [u32],
    columns: &'a [C],
    deltas: &'a [R],
    slots: &'a [u8],
    /// Two classes, slots `0, 1, 0, …` from an even `leaf_base`: a leaf's
    /// class is the low bit of its reference.
    alternating: bool,
}

impl<R: Index, C: Column> fmt::Debug for Sibling<'_, R, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sibling")
            .field("n_features", &self.n_features)
            .field("n_classes", &self.labels.len())
            .field("n_trees", &self.roots.len())
            .field("n_nodes", &self.n_nodes)
            .field("leaf_slots", &self.slots.len())
            .finish()
    }
}

/// Whether `r` is a valid reference: a record, or a leaf slot.
const fn valid_ref(r: usize, n_nodes: usize, base: usize, slots: usize) -> bool {
    r < n_nodes || (r >= base && r - base < slots)
}

macro_rules! sibling_new {
    ($($r:ty),* $(,)?) => {$(
        sibling_new!(@columns $r; u8, Column2, Column4, Column8, Column16, Column32, Column64, Column128);
    )*};
    (@columns $r:ty; $($c:ty),*) => {$(
        impl<'a> Sibling<'a, $r, $c> {
            /// Checks the tables and wraps them in a [`Sibling`] forest.
            ///
            /// `keys`, `columns` and `deltas` hold one entry per record;
            /// `slots` the class of each leaf slot (see the [module](self)
            /// docs).
            ///
            /// # Errors
            ///
            /// Every invariant the walker relies on: non-empty trees, classes
            /// and features; equal table lengths, exactly the records,
            /// padding and one sink per slot
            /// ([`Error::NodeTablesLengthMismatch`]); at most 256 features and
            /// 256 classes; 1 to [`MAX_LEAF_SLOTS`] leaf slots, each naming a
            /// class ([`Error::LeafSlots`]); every column below `n_features`;
            /// no NaN threshold key; every child of a record a *later* record
            /// or a leaf slot, and so every root; padding and sinks
            /// self-loops ([`Error::EntryNotSelfLoop`]); every entry index below
            /// `R::MAX`. The error names the first offending tree or entry.
            pub const fn new(
                n_features: usize,
                labels: &'a [i64],
                roots: &'a [$r],
                keys: &'a [u32],
                columns: &'a [$c],
                deltas: &'a [$r],
                slots: &'a [u8],
            ) -> Result<Self, Error> {
                let entries = keys.len();
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
                if columns.len() != entries || deltas.len() != entries {
                    return Err(Error::NodeTablesLengthMismatch);
                }
                if n_features > 256 || n_classes > 256 {
                    return Err(Error::PackedShape);
                }
                if slots.is_empty() || slots.len() > MAX_LEAF_SLOTS {
                    return Err(Error::LeafSlots);
                }
                // The records end at the first self-loop (delta 0); the
                // tables then hold the padding up to the leaf base and one
                // sink per slot, exactly.
                let mut n_nodes = 0;
                while n_nodes < entries && deltas[n_nodes] != 0 {
                    n_nodes += 1;
                }
                let base = leaf_base(n_nodes, slots.len());
                if entries != base + slots.len() {
                    return Err(Error::NodeTablesLengthMismatch);
                }
                let mut alternating = n_classes == 2 && base % 2 == 0;
                let mut s = 0;
                while s < slots.len() {
                    if slots[s] as usize >= n_classes {
                        return Err(Error::LeafSlots);
                    }
                    alternating &= slots[s] as usize == s % 2;
                    s += 1;
                }
                // Every reference below `R::MAX` (so also below `u32::MAX`,
                // which the host walker keeps for lanes without a tree).
                if entries > <$r>::MAX as usize {
                    return Err(Error::ChildIndexTypeTooNarrow);
                }
                let mut tree = 0;
                while tree < roots.len() {
                    if !valid_ref(roots[tree] as usize, n_nodes, base, slots.len()) {
                        return Err(Error::RootOutOfRange { tree });
                    }
                    tree += 1;
                }
                // The key of `+∞`, plus one: the largest a threshold can have.
                let max_key = key(f32::INFINITY) + 1;
                let mut n_decisions = 0;
                let mut node = 0;
                while node < entries {
                    if columns[node] as usize >= n_features {
                        return Err(Error::NodeFeatureOutOfRange { node });
                    }
                    let k = keys[node];
                    let d = deltas[node] as usize;
                    if node >= n_nodes {
                        // Padding and sinks step in place: key 0 never
                        // carries, delta 0 stays.
                        if k != 0 || d != 0 {
                            return Err(Error::EntryNotSelfLoop { entry: node });
                        }
                        node += 1;
                        continue;
                    }
                    if k > max_key {
                        return Err(Error::NodeThresholdNan { node });
                    }
                    if k != 0 {
                        n_decisions += 1;
                    }
                    // `node + d + 1 <= entries + R::MAX`: no overflow.
                    let right = node + d;
                    let children_ok = valid_ref(right, n_nodes, base, slots.len())
                        && (k == 0 || valid_ref(right + 1, n_nodes, base, slots.len()));
                    if !children_ok {
                        return Err(Error::NodeChildOutOfRange { node });
                    }
                    node += 1;
                }
                Ok(Sibling {
                    n_features,
                    n_nodes,
                    n_decisions,
                    labels,
                    roots,
                    keys,
                    columns,
                    deltas,
                    slots,
                    alternating,
                })
            }
        }
    )*};
}

sibling_new!(u8, u16, u32);

impl<'a, R: Index, C: Column> Sibling<'a, R, C> {
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

    /// Number of stored records (decision nodes and forwarding records).
    #[must_use]
    pub const fn n_nodes(&self) -> usize {
        self.n_nodes
    }

    /// Number of decision nodes stored (records other than forwarding
    /// records).
    #[must_use]
    pub const fn n_decision_nodes(&self) -> usize {
        self.n_decisions
    }

    /// Number of leaf slots.
    #[must_use]
    pub const fn leaf_slots(&self) -> usize {
        self.slots.len()
    }

    /// The original label of each class index.
    #[must_use]
    pub const fn labels(&self) -> &'a [i64] {
        self.labels
    }

    /// Counts every tree's vote into `votes` (overwritten); with `COUNT`,
    /// returns the decision nodes visited. `row` holds `!key(x[c])` in column
    /// `c`; a row of `KW` = [`Column::WIDTH`] entries needs no bounds check.
    /// `tally` is scratch space whose length is a power of two of at least
    /// [`tally_len`]`(leaf_slots)` (unused for an alternating forest).
    ///
    /// On 64-bit hosts predictions walk [`LANES`](crate::LANES) trees in
    /// lockstep, branch-free: a tree at its leaf steps in place on the
    /// leaf's sink. Every few steps each lane at a leaf votes and takes the
    /// next tree, so no lane idles until its group's deepest tree ends; from
    /// [`MANY_NODES`](crate::MANY_NODES) records on (deep trees, whose walks
    /// differ less in length) groups of more lanes run to their end instead.
    /// Small cores walk one tree at a time, where the loop's bounds test is
    /// also the leaf test.
    #[inline(always)]
    fn count_votes<const COUNT: bool, const KW: usize>(
        &self,
        row: &[u32; KW],
        tally: &mut [u32],
        votes: &mut [u32],
    ) -> usize {
        let len = self
            .keys
            .len()
            .min(self.columns.len())
            .min(self.deltas.len());
        // One length for the three tables, visible to the optimiser: one
        // bounds check per step.
        let tables = Tables {
            keys: &self.keys[..len],
            columns: &self.columns[..len],
            deltas: &self.deltas[..len],
        };
        let slot_mask = tally.len().wrapping_sub(1);
        if !self.alternating {
            tally.iter_mut().for_each(|t| *t = 0);
        }
        let mut ones = 0;
        // Counts leaf `j` if `done`, branch-free (`done` is false for a
        // host lane still walking or without a tree).
        let mut vote = |j: usize, done: bool| {
            let one = u32::from(done);
            if self.alternating {
                ones += j as u32 & one;
            } else if let Some(t) = tally.get_mut(j & slot_mask) {
                *t += one;
            }
        };
        let visited = if crate::LOCKSTEP && !COUNT {
            if self.n_nodes >= crate::MANY_NODES {
                tables.lockstep::<{ crate::WIDE_LANES_SIBLING }, KW>(
                    self.roots,
                    self.n_nodes,
                    row,
                    vote,
                );
            } else if self.alternating {
                ones = tables.refilling::<{ crate::LANES }, KW, true>(
                    self.roots,
                    self.n_nodes,
                    row,
                    &mut [],
                );
            } else {
                tables.refilling::<{ crate::LANES }, KW, false>(
                    self.roots,
                    self.n_nodes,
                    row,
                    tally,
                );
            }
            0
        } else {
            let n = self.n_nodes.min(len);
            let records = Tables {
                keys: &tables.keys[..n],
                columns: &tables.columns[..n],
                deltas: &tables.deltas[..n],
            };
            let mut visited = 0;
            for root in self.roots {
                let (j, steps) = records.walk::<COUNT, KW>(root.get(), row);
                visited += steps;
                vote(j, true);
            }
            visited
        };
        votes.iter_mut().for_each(|v| *v = 0);
        if self.alternating {
            if let [zeros, one] = votes {
                *zeros = self.roots.len() as u32 - ones;
                *one = ones;
            }
        } else {
            for (&class, &t) in self.slots.iter().zip(tally.iter()) {
                if let Some(v) = votes.get_mut(class as usize) {
                    *v += t;
                }
            }
        }
        visited
    }

    /// Fills `row` with `!key(x[c])` per feature.
    fn key_row(x: &[f32], row: &mut [u32]) {
        for (r, &v) in row.iter_mut().zip(x) {
            *r = !key(v);
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
    /// As [`Sibling::votes_into`].
    pub fn predict_into(&self, x: &[f32], votes: &mut [u32]) -> Result<usize, Error> {
        self.count::<false>(x, votes).map(|_| argmax(votes))
    }

    /// Like [`Sibling::predict_into`], and also returns the number of
    /// decision nodes visited over all trees (forwarding records excluded).
    /// It walks one tree at a time, also on hosts.
    ///
    /// # Errors
    ///
    /// As [`Sibling::votes_into`].
    pub fn predict_counting(&self, x: &[f32], votes: &mut [u32]) -> Result<(usize, usize), Error> {
        let visited = self.count::<true>(x, votes)?;
        Ok((argmax(votes), visited))
    }

    fn count<const COUNT: bool>(&self, x: &[f32], votes: &mut [u32]) -> Result<usize, Error> {
        crate::check_row(self.n_features, x)?;
        crate::check_votes(self.labels.len(), votes)?;
        // At most 256 features and slots (checked by `new`).
        let mut row = [0u32; 256];
        Self::key_row(x, &mut row);
        let mut tally = [0u32; MAX_LEAF_SLOTS];
        let span = tally_len(self.slots.len());
        Ok(self.count_votes::<COUNT, 256>(&row, &mut tally[..span], votes))
    }
}

/// A sibling forest's per-entry tables cut to one length.
struct Tables<'t, R: Index, C: Column> {
    keys: &'t [u32],
    columns: &'t [C],
    deltas: &'t [R],
}

impl<R: Index, C: Column> Tables<'_, R, C> {
    /// One step from entry `j`: the next reference, or `None` past the
    /// tables (a leaf, when the tables are cut to the records).
    #[inline(always)]
    fn step<const KW: usize>(&self, j: usize, row: &[u32; KW]) -> Option<(usize, bool)> {
        let (Some(&k), Some(&c), Some(&d)) =
            (self.keys.get(j), self.columns.get(j), self.deltas.get(j))
        else {
            return None;
        };
        let x = row.get(c.index()).copied().unwrap_or(0);
        // Carries iff `key(x) < k`, i.e. `x <= threshold`: the true child,
        // one past the false one. Validated: `j + d + 1` fits `R`, no wrap.
        let (_, true_side) = k.overflowing_add(x);
        Some((
            (j as u32).carrying_add(d.get() as u32, true_side).0 as usize,
            k != 0,
        ))
    }

    /// Walks one tree from `root` over tables cut to the records: the leaf
    /// reference it reaches and, with `COUNT`, the decision nodes visited
    /// (forwarding records are steps, not decisions).
    #[inline(always)]
    fn walk<const COUNT: bool, const KW: usize>(
        &self,
        root: usize,
        row: &[u32; KW],
    ) -> (usize, usize) {
        let mut j = root;
        let mut visited = 0;
        while let Some((next, decision)) = self.step(j, row) {
            if COUNT {
                visited += usize::from(decision);
            }
            j = next;
        }
        (j, visited)
    }

    /// One step of every lane over the full tables (sinks included); a
    /// lane past every table (`u32::MAX`: no tree) reads nothing.
    #[inline(always)]
    fn step_lanes<const L: usize, const KW: usize>(&self, refs: &mut [u32; L], row: &[u32; KW]) {
        for r in refs {
            let i = *r as usize;
            let (Some(&k), Some(&c), Some(&d)) =
                (self.keys.get(i), self.columns.get(i), self.deltas.get(i))
            else {
                continue;
            };
            let x = row.get(c.index()).copied().unwrap_or(0);
            let (_, true_side) = k.overflowing_add(x);
            // `u32` references (validated below `u32::MAX`): narrower
            // lanes, and the add-with-carry in one register.
            *r = r.carrying_add(d.get() as u32, true_side).0;
        }
    }

    /// Walks `L` trees at a time in lockstep, refilling: every
    /// [`REFILL_STEPS`] steps each lane at a leaf (`>= n_nodes`) votes and
    /// takes the next tree (or parks at `u32::MAX` when none is left),
    /// branch-free; ends when every lane is parked. An `ALT` (alternating)
    /// forest's votes are counted by the leaf reference's low bit and
    /// returned (`tally` unused); otherwise each leaf adds one to
    /// `tally[leaf & (tally.len() - 1)]`.
    ///
    /// Never inlined and with no closure to carry: on its own, the lanes
    /// and the table bases fit the registers of an x86-64 host (inlined into
    /// a prediction, they spilled and every step reloaded its bases).
    #[inline(never)]
    fn refilling<const L: usize, const KW: usize, const ALT: bool>(
        &self,
        roots: &[R],
        n_nodes: usize,
        row: &[u32; KW],
        tally: &mut [u32],
    ) -> u32 {
        let slot_mask = tally.len().wrapping_sub(1);
        let mut ones = 0;
        let mut refs = [u32::MAX; L];
        for (r, root) in refs.iter_mut().zip(roots) {
            *r = root.get() as u32;
        }
        let mut next = L.min(roots.len());
        loop {
            for _ in 0..REFILL_STEPS {
                self.step_lanes(&mut refs, row);
            }
            let mut parked = u32::MAX;
            for r in &mut refs {
                let done = *r as usize >= n_nodes && *r != u32::MAX;
                if ALT {
                    ones += *r & 1 & u32::from(done);
                } else if let Some(t) = tally.get_mut(*r as usize & slot_mask) {
                    *t += u32::from(done);
                }
                let fresh = roots.get(next).map_or(u32::MAX, |root| root.get() as u32);
                *r = if done { fresh } else { *r };
                next += usize::from(done);
                parked &= *r;
            }
            if parked == u32::MAX {
                break;
            }
        }
        ones
    }

    /// Walks `L` trees at a time in lockstep until every lane is at a leaf
    /// (`>= n_nodes`), then hands each leaf reference to `vote`. Lanes
    /// without a tree (the last group) start past every table.
    #[inline(always)]
    fn lockstep<const L: usize, const KW: usize>(
        &self,
        roots: &[R],
        n_nodes: usize,
        row: &[u32; KW],
        mut vote: impl FnMut(usize, bool),
    ) {
        for group in roots.chunks(L) {
            let mut refs = [u32::MAX; L];
            for (r, root) in refs.iter_mut().zip(group) {
                *r = root.get() as u32;
            }
            loop {
                for _ in 0..crate::STEPS_PER_CHECK {
                    self.step_lanes(&mut refs, row);
                }
                if refs.iter().all(|&r| r as usize >= n_nodes) {
                    break;
                }
            }
            for &r in &refs[..group.len()] {
                vote(r as usize, true);
            }
        }
    }
}

/// A validated sibling forest whose feature count `NF`, class count `NC`,
/// key-row length `KW` (the column type's [`Column::WIDTH`]) and tally length
/// `TL` ([`tally_len`] of its leaf slots) are known at compile time: every
/// call is infallible and needs no buffer.
///
/// This is what `forest-codegen` emits as the baked `static MODEL` for the
/// sibling layout; it has the methods of [`Model`](crate::Model).
#[derive(Clone, Copy)]
pub struct SiblingModel<
    'a,
    R: Index,
    C: Column,
    const NF: usize,
    const NC: usize,
    const KW: usize,
    const TL: usize,
> {
    forest: Sibling<'a, R, C>,
}

impl<R: Index, C: Column, const NF: usize, const NC: usize, const KW: usize, const TL: usize>
    fmt::Debug for SiblingModel<'_, R, C, NF, NC, KW, TL>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SiblingModel").field(&self.forest).finish()
    }
}

impl<'a, R: Index, C: Column, const NF: usize, const NC: usize, const KW: usize, const TL: usize>
    SiblingModel<'a, R, C, NF, NC, KW, TL>
{
    /// Fixes the forest's sizes in the type.
    ///
    /// # Errors
    ///
    /// [`Error::FeatureCountMismatch`] or [`Error::ClassCountMismatch`] if
    /// `NF`/`NC` differ from the forest's, [`Error::PackedShape`] unless `KW`
    /// is the column type's [`Column::WIDTH`] and `TL` the forest's
    /// [`tally_len`].
    pub const fn new(forest: Sibling<'a, R, C>) -> Result<Self, Error> {
        if forest.n_features != NF {
            return Err(Error::FeatureCountMismatch);
        }
        if forest.labels.len() != NC {
            return Err(Error::ClassCountMismatch);
        }
        if KW != C::WIDTH || TL != tally_len(forest.slots.len()) {
            return Err(Error::PackedShape);
        }
        Ok(SiblingModel { forest })
    }

    /// The underlying run-time-sized forest.
    #[must_use]
    pub const fn forest(&self) -> &Sibling<'a, R, C> {
        &self.forest
    }

    /// The key row of `x`: `!key(x[c])` in column `c`, padding no node reads.
    #[inline(always)]
    fn key_row(x: &[f32; NF]) -> [u32; KW] {
        // Filled with a run-time value rather than zeros: a small core's
        // size-optimised build would otherwise call `memclr` for it.
        let first = x.first().map_or(0, |&v| !key(v));
        let mut row = [first; KW];
        Sibling::<R, C>::key_row(x, &mut row);
        row
    }

    /// Counts the votes for `x` into `votes`; with `COUNT`, returns the
    /// decision nodes visited.
    #[inline(always)]
    fn count<const COUNT: bool>(&self, x: &[f32; NF], votes: &mut [u32; NC]) -> usize {
        let mut tally = [0; TL];
        self.forest
            .count_votes::<COUNT, KW>(&Self::key_row(x), &mut tally, votes)
    }

    typed_model_methods!();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stump keys: `key(t) + 1`.
    const fn k(t: f32) -> u32 {
        key(t) + 1
    }

    /// Three classes (labels 10, 20, 30), one feature, two trees:
    /// tree 0: `x <= 0.5 ? (x <= -1 ? class 2 : class 0) : class 1`
    /// (records: 0 root, 1 forward to class 1, 2 the inner node);
    /// tree 1: a bare leaf of class 2 (root = a leaf slot).
    /// Slots `[0, 2, 1]`, tally 4, leaf base 4: entry 3 pads, entries 4 to
    /// 6 are the sinks.
    const KEYS: [u32; 7] = [k(0.5), 0, k(-1.0), 0, 0, 0, 0];
    const COLUMNS: [u8; 7] = [0; 7];
    /// Record 0: children at 1 (false) and 2 (true); record 1: forward to
    /// slot 2 (= 6); record 2: false child slot 0 (= 4), true child slot 1.
    const DELTAS: [u8; 7] = [1, 5, 2, 0, 0, 0, 0];
    const SLOTS: [u8; 3] = [0, 2, 1];
    const ROOTS: [u8; 2] = [0, 5];

    fn forest() -> Sibling<'static, u8> {
        Sibling::<u8>::new(1, &[10, 20, 30], &ROOTS, &KEYS, &COLUMNS, &DELTAS, &SLOTS).unwrap()
    }

    #[test]
    fn steps_follow_the_prediction_rules() {
        let forest = forest();
        assert_eq!((leaf_base(3, 3), tally_len(3)), (4, 4));
        for (x, votes, visits) in [
            (-2.0, [0, 0, 2], 2),
            (-1.0, [0, 0, 2], 2),
            ((-1.0f32).next_up(), [1, 0, 1], 2),
            (0.5, [1, 0, 1], 2),
            (0.5f32.next_up(), [0, 1, 1], 1),
            (f32::NEG_INFINITY, [0, 0, 2], 2),
            (f32::INFINITY, [0, 1, 1], 1),
            (f32::NAN, [0, 1, 1], 1),
        ] {
            let mut v = [0; 3];
            let (class, visited) = forest.predict_counting(&[x], &mut v).unwrap();
            assert_eq!((v, visited), (votes, visits), "x = {x}");
            assert_eq!(class, argmax(&votes));
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

    #[test]
    fn a_typed_model_with_an_enum_column_walks_alike() {
        static COLUMNS2: [Column2; 7] = [Column2::C1; 7];
        static MODEL: SiblingModel<'static, u8, Column2, 2, 3, 2, 4> =
            match Sibling::<u8, Column2>::new(
                2,
                &[10, 20, 30],
                &ROOTS,
                &KEYS,
                &COLUMNS2,
                &DELTAS,
                &SLOTS,
            ) {
                Ok(forest) => match SiblingModel::new(forest) {
                    Ok(model) => model,
                    Err(_) => panic!("shape"),
                },
                Err(_) => panic!("tables"),
            };
        let runtime = forest();
        for x in [-2.0, -1.0, 0.0, 0.5, 1.0, f32::NAN, f32::INFINITY] {
            let mut v = [0; 3];
            let (class, visited) = runtime.predict_counting(&[x], &mut v).unwrap();
            // The model reads column 1.
            assert_eq!(MODEL.votes(&[9.0, x]), v);
            assert_eq!(MODEL.predict_counting(&[9.0, x]), (class, visited));
            assert_eq!(MODEL.predict_label(&[9.0, x]), [10, 20, 30][class]);
        }
        let too_wide = Sibling::<u8, Column2>::new(
            2,
            &[10, 20, 30],
            &ROOTS,
            &KEYS,
            &COLUMNS2,
            &DELTAS,
            &SLOTS,
        )
        .unwrap();
        assert_eq!(
            SiblingModel::<u8, Column2, 2, 3, 4, 4>::new(too_wide).unwrap_err(),
            Error::PackedShape
        );
        assert_eq!(
            SiblingModel::<u8, Column2, 2, 3, 2, 8>::new(too_wide).unwrap_err(),
            Error::PackedShape
        );
    }

    #[test]
    fn two_alternating_classes_are_counted_by_the_low_bit() {
        // One stump per tree, `x <= 0 ? class 1 : class 0`: slots [0, 1], the
        // leaf pair at base 2 (false 0, true 1); a leaf root of class 1.
        let keys = [k(0.0), k(0.0), 0, 0];
        let deltas = [2u8, 1, 0, 0];
        let forest =
            Sibling::<u8>::new(1, &[5, 6], &[0, 1, 3], &keys, &[0; 4], &deltas, &[0, 1]).unwrap();
        assert!(forest.alternating);
        assert_eq!(forest.predict_counting(&[0.0], &mut [0; 2]), Ok((1, 2)));
        let mut v = [0; 2];
        assert_eq!(forest.predict_counting(&[1.0], &mut v), Ok((0, 2)));
        assert_eq!(v, [2, 1]);
        // Slots [1, 0] are not alternating from 0: the tally counts them.
        let swapped =
            Sibling::<u8>::new(1, &[5, 6], &[0, 1, 3], &keys, &[0; 4], &deltas, &[1, 0]).unwrap();
        assert!(!swapped.alternating);
        assert_eq!(swapped.predict_counting(&[1.0], &mut v), Ok((1, 2)));
        assert_eq!(v, [1, 2]);
    }

    #[test]
    fn validation_names_the_broken_part() {
        fn n(keys: &[u32], deltas: &[u8], roots: &[u8], slots: &[u8]) -> Result<(), Error> {
            let columns = [0u8; 16];
            Sibling::<u8>::new(
                1,
                &[10, 20, 30],
                roots,
                keys,
                &columns[..keys.len()],
                deltas,
                slots,
            )
            .map(|_| ())
        }
        let with = |at: usize, d: u8| {
            let mut deltas = DELTAS;
            deltas[at] = d;
            deltas
        };
        assert!(n(&KEYS, &DELTAS, &ROOTS, &SLOTS).is_ok());
        // Record 2's false child in the padding between the records and the
        // leaf base, or past the last slot; its true child past the last slot.
        for d in [1, 5, 4] {
            assert_eq!(
                n(&KEYS, &with(2, d), &ROOTS, &SLOTS),
                Err(Error::NodeChildOutOfRange { node: 2 }),
                "delta {d}"
            );
        }
        // A forwarding record (key 0) has no true child.
        let mut keys = KEYS;
        keys[2] = 0;
        assert!(n(&keys, &with(2, 4), &ROOTS, &SLOTS).is_ok());
        // The records end at the first delta 0: with record 2's delta 0,
        // record 0's true child is no record any more; and record 2, now
        // padding, must be a self-loop (key 0).
        assert_eq!(
            n(&KEYS, &with(2, 0), &ROOTS, &SLOTS),
            Err(Error::NodeChildOutOfRange { node: 0 })
        );
        keys = KEYS;
        keys[0] = 0;
        assert_eq!(
            n(&keys, &with(2, 0), &[0], &SLOTS),
            Err(Error::EntryNotSelfLoop { entry: 2 })
        );
        // A sink that leaves its entry.
        assert_eq!(
            n(&KEYS, &with(5, 1), &ROOTS, &SLOTS),
            Err(Error::EntryNotSelfLoop { entry: 5 })
        );
        // Entries must end right after the sinks.
        assert_eq!(
            n(&KEYS[..6], &DELTAS[..6], &ROOTS, &SLOTS),
            Err(Error::NodeTablesLengthMismatch)
        );
        assert_eq!(
            n(&KEYS, &DELTAS[..6], &ROOTS, &SLOTS),
            Err(Error::NodeTablesLengthMismatch)
        );
        assert_eq!(
            n(&KEYS, &DELTAS, &[0, 3], &SLOTS),
            Err(Error::RootOutOfRange { tree: 1 })
        );
        assert_eq!(n(&KEYS, &DELTAS, &ROOTS, &[0, 2, 3]), Err(Error::LeafSlots));
        assert_eq!(n(&KEYS, &DELTAS, &ROOTS, &[]), Err(Error::LeafSlots));
        keys = KEYS;
        keys[2] = key(f32::NAN);
        assert_eq!(
            n(&keys, &DELTAS, &ROOTS, &SLOTS),
            Err(Error::NodeThresholdNan { node: 2 })
        );
        assert_eq!(
            Sibling::<u8>::new(
                1,
                &[1, 2, 3],
                &ROOTS,
                &KEYS,
                &[0, 1, 0, 0, 0, 0, 0],
                &DELTAS,
                &SLOTS
            )
            .unwrap_err(),
            Error::NodeFeatureOutOfRange { node: 1 }
        );
        // 254 forwarding records, padding and 3 sinks: entry 258 is past `u8`.
        let keys = [0u32; 259];
        let mut deltas = [0u8; 259];
        deltas[..254].fill(1);
        assert_eq!(
            Sibling::<u8>::new(1, &[1, 2, 3], &[0], &keys, &[0; 259], &deltas, &SLOTS).unwrap_err(),
            Error::ChildIndexTypeTooNarrow
        );
        assert_eq!(
            Sibling::<u8>::new(1, &[1], &[], &[], &[], &[], &[0]).unwrap_err(),
            Error::NoTrees
        );
    }
}
