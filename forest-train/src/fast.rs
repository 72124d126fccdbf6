//! An exact, faster re-implementation of smartcore 0.7.0's
//! `RandomForestClassifier::fit` (gini criterion), producing the very same
//! trees: same node order, split features, split values and scores,
//! impurities, sample counts, outputs and children, and the same leaves
//! carrying the split a depth limit kept them from using.
//!
//! What is reproduced, read from smartcore 0.7.0's source
//! (`ensemble/random_forest_classifier.rs`, `tree/decision_tree_classifier.rs`,
//! `rand_custom.rs`, `linalg/basic/arrays.rs`):
//!
//! * Bootstrap: one `SmallRng::seed_from_u64(seed)` draws every tree's
//!   sample counts in tree order, class by class (`sample_with_replacement`,
//!   class weight 1). The `threads` workers take trees in tree order and
//!   draw each tree's counts under one lock, so the draws are those of a
//!   sequential loop whatever the number of threads; growing the trees is
//!   then independent.
//! * Each tree has its own `SmallRng::seed_from_u64(seed + tree index)`
//!   (wrapping), used only to shuffle the feature list in
//!   `find_best_cutoff`, and only for a node that is not pure, holds at least
//!   `min_samples_split` samples and when `mtry` is below the feature count.
//!   That happens for every child right after its parent splits (true child
//!   first), including children the depth limit will never split.
//! * Per feature, the scan order is smartcore's own `argsort_mut` of the
//!   whole column (called here, so ties come out in its order), restricted to
//!   the node's rows. smartcore walks the whole column at every node; here
//!   each node owns a range of a per-feature list that is stably partitioned
//!   when the node splits, so a node costs O(its rows × features) and sees
//!   its rows in exactly the order smartcore's scan sees them.
//! * Candidate thresholds only where both the value and the class change;
//!   `min_samples_leaf` checked on the bootstrap-weighted counts of the scan;
//!   gain = parent − tc/n·gini(true) − fc/n·gini(false), kept only if
//!   strictly greater; split value `f64::from(x + prev_x) / 2` (the sum in
//!   `f32`, as smartcore computes it on `f32` data).
//! * The split itself re-partitions rows by `f64::from(x) <= split_value`
//!   (which can differ from the scan's position when the `f32` sum rounds),
//!   rejects it if a side holds fewer than `min_samples_leaf` samples, and
//!   takes the child outputs from the scan (not from the partition).
//!   The root's `n_node_samples` is the row count; a child's is its weighted
//!   sample count.

use crate::train::{
    CriterionMirror, ForestMirror, NodeMirror, TrainError, TreeMirror, TreeParamsMirror,
};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use smartcore::linalg::basic::arrays::MutArrayView1;
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::Mutex;

/// The parameters of smartcore's `RandomForestClassifierParameters` that
/// forest-train exposes (criterion gini, no kept samples).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Params {
    /// Number of trees.
    pub trees: u16,
    /// smartcore's `max_depth` (`None`: unlimited).
    pub max_depth: Option<u16>,
    /// Minimum samples in a leaf.
    pub min_samples_leaf: usize,
    /// Minimum samples to split a node.
    pub min_samples_split: usize,
    /// Features tried per split.
    pub mtry: usize,
    /// The forest's seed.
    pub seed: u64,
}

/// The number of worker threads `threads` asks for (0 = every core).
pub(crate) fn resolve_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        threads
    }
}

/// One entry of a per-feature sorted list: the value and its row.
#[derive(Debug, Clone, Copy)]
struct Entry {
    x: f32,
    row: u32,
}

/// What every tree shares: the data, the class of each row and the sorted
/// order of each column.
#[derive(Debug)]
struct Shared<'a> {
    cols: &'a [Vec<f32>],
    /// Class index (into the sorted labels) per row.
    yi: Vec<u32>,
    /// Number of classes.
    k: usize,
    /// smartcore's `argsort_mut` of each column.
    order: Vec<Vec<u32>>,
    classes: Vec<i64>,
}

/// Trains the forest on `cols` (one `Vec` per feature, all of `labels.len()`
/// rows) and returns it in smartcore's serde layout.
///
/// # Errors
///
/// [`TrainError`] for no rows or features, ragged columns, a NaN value, a
/// single class, more rows than `u32` indexes, or a worker thread that died.
pub(crate) fn fit(
    cols: &[Vec<f32>],
    labels: &[i64],
    params: &Params,
    threads: usize,
) -> Result<ForestMirror, TrainError> {
    let n = labels.len();
    if n == 0 {
        return Err(TrainError::NoRows);
    }
    if cols.is_empty() {
        return Err(TrainError::FastTrainer("no feature columns".to_owned()));
    }
    if u32::try_from(n).is_err() {
        return Err(TrainError::FastTrainer(format!(
            "{n} rows: the fast trainer indexes rows with 32 bits"
        )));
    }
    for (c, col) in cols.iter().enumerate() {
        if col.len() != n {
            return Err(TrainError::FastTrainer(format!(
                "feature column {c} has {} values for {n} labels",
                col.len()
            )));
        }
        if let Some(row) = col.iter().position(|v| v.is_nan()) {
            return Err(TrainError::NanFeature {
                row: row + 1,
                column: c,
            });
        }
    }
    let mut classes = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    if classes.len() < 2 {
        return Err(TrainError::SingleClass(classes[0]));
    }
    let yi: Vec<u32> = labels
        .iter()
        .map(|l| classes.binary_search(l).unwrap_or(0) as u32)
        .collect();
    let order = cols
        .iter()
        .map(|col| {
            let mut values = col.clone();
            values.argsort_mut().into_iter().map(|i| i as u32).collect()
        })
        .collect();
    let shared = Shared {
        cols,
        k: classes.len(),
        yi,
        order,
        classes,
    };

    let by_class: Vec<Vec<u32>> = (0..shared.k)
        .map(|l| {
            (0..n as u32)
                .filter(|&i| shared.yi[i as usize] as usize == l)
                .collect()
        })
        .collect();
    let bootstraps = Bootstraps {
        by_class,
        n,
        trees: usize::from(params.trees),
        state: Mutex::new((SmallRng::seed_from_u64(params.seed), 0)),
    };
    let trees = grow_all(&shared, params, &bootstraps, threads)?;
    Ok(ForestMirror {
        trees: Some(trees),
        classes: Some(shared.classes.clone()),
        samples: None,
    })
}

/// The forest's bootstrap samples, drawn from one generator in tree order:
/// a worker takes the next tree and draws its sample under the lock, so the
/// draws stay sequential while other workers grow trees.
#[derive(Debug)]
struct Bootstraps {
    /// Rows of each class, in row order.
    by_class: Vec<Vec<u32>>,
    n: usize,
    trees: usize,
    /// The generator and the next tree to draw for.
    state: Mutex<(SmallRng, usize)>,
}

impl Bootstraps {
    /// The next tree's index and its per-row sample counts, `None` when
    /// every tree is taken (or a worker died holding the lock).
    fn next(&self) -> Option<(usize, Vec<u32>)> {
        let mut state = self.state.lock().ok()?;
        let (rng, next) = &mut *state;
        if *next >= self.trees {
            return None;
        }
        let t = *next;
        *next += 1;
        Some((t, sample_with_replacement(self.n, &self.by_class, rng)))
    }
}

/// smartcore's `sample_with_replacement` with class weights 1: for each class
/// in turn, as many draws as it has rows, uniform over its rows.
fn sample_with_replacement(n: usize, by_class: &[Vec<u32>], rng: &mut SmallRng) -> Vec<u32> {
    let mut samples = vec![0u32; n];
    for index in by_class {
        let n_samples = index.len();
        for _ in 0..n_samples {
            let xi: usize = rng.random_range(0..n_samples);
            samples[index[xi] as usize] += 1;
        }
    }
    samples
}

/// Grows every tree, on up to `threads` workers (0 = every core); the result
/// does not depend on the number of workers.
fn grow_all(
    shared: &Shared<'_>,
    params: &Params,
    bootstraps: &Bootstraps,
    threads: usize,
) -> Result<Vec<TreeMirror>, TrainError> {
    let work = || {
        let mut done = Vec::new();
        while let Some((t, weight)) = bootstraps.next() {
            done.push((t, grow(shared, params, t, &weight)));
        }
        done
    };
    let workers = resolve_threads(threads).min(bootstraps.trees).max(1);
    let results: Vec<std::thread::Result<Vec<(usize, TreeMirror)>>> = if workers == 1 {
        vec![Ok(work())]
    } else {
        std::thread::scope(|s| {
            // A thread that cannot be started only means one worker less:
            // this thread works too and takes whatever trees are left.
            let handles: Vec<_> = (1..workers)
                .filter_map(|_| std::thread::Builder::new().spawn_scoped(s, work).ok())
                .collect();
            let own = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            handles
                .into_iter()
                .map(|h| h.join())
                .chain(std::iter::once(own))
                .collect()
        })
    };
    let mut slots: Vec<Option<TreeMirror>> = (0..bootstraps.trees).map(|_| None).collect();
    for result in results {
        let done =
            result.map_err(|_| TrainError::FastTrainer("a training thread panicked".to_owned()))?;
        for (t, tree) in done {
            slots[t] = Some(tree);
        }
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(t, s)| s.ok_or_else(|| TrainError::FastTrainer(format!("tree {t} was not grown"))))
        .collect()
}

/// smartcore's `which_max`: the first index of the largest count.
fn which_max(x: &[usize]) -> usize {
    let mut m = x[0];
    let mut which = 0;
    for (i, &v) in x.iter().enumerate().skip(1) {
        if v > m {
            m = v;
            which = i;
        }
    }
    which
}

/// smartcore's gini impurity, summed in the same order.
fn gini(count: &[usize], n: usize) -> f64 {
    let mut impurity = 1f64;
    for &c in count {
        if c > 0 {
            let p = c as f64 / n as f64;
            impurity -= p * p;
        }
    }
    impurity
}

fn new_node(output: usize, n_node_samples: usize) -> NodeMirror {
    NodeMirror {
        output,
        n_node_samples,
        split_feature: 0,
        split_value: None,
        split_score: None,
        true_child: None,
        false_child: None,
        impurity: None,
    }
}

/// A node waiting in the queue: its rows are `start..end` of every list.
#[derive(Debug)]
struct Visitor {
    node: usize,
    start: usize,
    end: usize,
    level: u16,
    /// Bootstrap-weighted count of each class in the node.
    count: Vec<usize>,
    true_output: usize,
    false_output: usize,
}

/// The state of one tree being grown.
#[derive(Debug)]
struct Grower<'a> {
    params: &'a Params,
    /// Class index and bootstrap count per row (one load in the scans).
    class_weight: Vec<(u32, u32)>,
    /// Per feature, the node ranges of rows in smartcore's scan order.
    lists: Vec<Vec<Entry>>,
    goes_true: Vec<bool>,
    scratch: Vec<Entry>,
    nodes: Vec<NodeMirror>,
    depth: u16,
    rng: SmallRng,
    true_count: Vec<usize>,
    false_count: Vec<usize>,
}

fn grow(shared: &Shared<'_>, params: &Params, tree: usize, weight: &[u32]) -> TreeMirror {
    let seed = params.seed.wrapping_add(tree as u64);
    let in_bag = weight.iter().filter(|&&w| w > 0).count();
    let lists: Vec<Vec<Entry>> = shared
        .order
        .iter()
        .zip(shared.cols)
        .map(|(order, col)| {
            // Branch-free filter of the in-bag rows (one spare slot).
            let mut list = vec![Entry { x: 0.0, row: 0 }; in_bag + 1];
            let mut at = 0;
            for &r in order {
                list[at] = Entry {
                    x: col[r as usize],
                    row: r,
                };
                at += usize::from(weight[r as usize] > 0);
            }
            list.truncate(in_bag);
            list
        })
        .collect();
    let k = shared.k;
    let mut root_count = vec![0usize; k];
    for (&y, &w) in shared.yi.iter().zip(weight) {
        root_count[y as usize] += w as usize;
    }
    let mut g = Grower {
        params,
        class_weight: shared
            .yi
            .iter()
            .copied()
            .zip(weight.iter().copied())
            .collect(),
        lists,
        goes_true: vec![false; weight.len()],
        scratch: vec![Entry { x: 0.0, row: 0 }; in_bag],
        nodes: vec![new_node(which_max(&root_count), weight.len())],
        depth: 0,
        rng: SmallRng::seed_from_u64(seed),
        true_count: vec![0; k],
        false_count: vec![0; k],
    };
    let mut queue = VecDeque::new();
    let mut root = Visitor {
        node: 0,
        start: 0,
        end: in_bag,
        level: 1,
        count: root_count,
        true_output: 0,
        false_output: 0,
    };
    if g.find_best_cutoff(&mut root) {
        queue.push_back(root);
    }
    let max_depth = params.max_depth.unwrap_or(u16::MAX);
    while let Some(v) = queue.pop_front() {
        if v.level < max_depth {
            g.split(&v, &mut queue);
        }
    }
    TreeMirror {
        nodes: g.nodes,
        parameters: Some(TreeParamsMirror {
            criterion: CriterionMirror::Gini,
            max_depth: params.max_depth,
            min_samples_leaf: params.min_samples_leaf,
            min_samples_split: params.min_samples_split,
            seed: Some(seed),
        }),
        num_classes: k,
        classes: shared.classes.clone(),
        depth: g.depth,
        num_features: shared.cols.len(),
        _phantom_tx: PhantomData,
        _phantom_x: PhantomData,
        _phantom_y: PhantomData,
    }
}

impl Grower<'_> {
    /// smartcore's `find_best_cutoff`: the node's impurity, then (unless it
    /// is pure or too small) the best split over `mtry` shuffled features.
    fn find_best_cutoff(&mut self, v: &mut Visitor) -> bool {
        let n: usize = v.count.iter().sum();
        let impurity = gini(&v.count, n);
        self.nodes[v.node].impurity = Some(impurity);
        let is_pure = v.count.iter().filter(|&&c| c > 0).count() <= 1;
        if is_pure || n < self.params.min_samples_split {
            return false;
        }
        let n_attr = self.lists.len();
        let mut variables: Vec<usize> = (0..n_attr).collect();
        if self.params.mtry < n_attr {
            variables.shuffle(&mut self.rng);
        }
        let mut best = Best::default();
        for &j in variables.iter().take(self.params.mtry) {
            self.find_best_split(v, n, impurity, j, &mut best);
        }
        if let Some(score) = best.score {
            let node = &mut self.nodes[v.node];
            node.split_feature = best.feature;
            node.split_value = Some(best.value);
            node.split_score = Some(score);
            v.true_output = best.true_output;
            v.false_output = best.false_output;
            true
        } else {
            false
        }
    }

    /// smartcore's `find_best_split` for feature `j`, over the node's rows
    /// in the column's sorted order.
    fn find_best_split(&mut self, v: &Visitor, n: usize, parent: f64, j: usize, best: &mut Best) {
        let msl = self.params.min_samples_leaf;
        let count = &v.count;
        let true_count = &mut self.true_count;
        let false_count = &mut self.false_count;
        true_count.fill(0);
        let mut prev: Option<(f32, u32)> = None;
        let mut tc = 0usize;
        for e in &self.lists[j][v.start..v.end] {
            let (y, w) = self.class_weight[e.row as usize];
            let x = e.x;
            if let Some((px, py)) = prev
                && x != px
                && y != py
            {
                let fc = n - tc;
                if tc >= msl && fc >= msl {
                    for ((f, &c), &t) in false_count.iter_mut().zip(count).zip(true_count.iter()) {
                        *f = c - t;
                    }
                    let gain = parent
                        - tc as f64 / n as f64 * gini(true_count, tc)
                        - fc as f64 / n as f64 * gini(false_count, fc);
                    if best.score.is_none_or(|s| gain > s) {
                        best.feature = j;
                        best.value = f64::from(x + px) / 2f64;
                        best.score = Some(gain);
                        best.true_output = which_max(true_count);
                        best.false_output = which_max(false_count);
                    }
                }
            }
            prev = Some((x, y));
            let w = w as usize;
            true_count[y as usize] += w;
            tc += w;
        }
    }

    /// smartcore's `split`: partition by the threshold, reject a side below
    /// `min_samples_leaf`, else add both children and queue those that have
    /// a split of their own.
    fn split(&mut self, v: &Visitor, queue: &mut VecDeque<Visitor>) {
        let feature = self.nodes[v.node].split_feature;
        let value = self.nodes[v.node].split_value.unwrap_or(f64::NAN);
        let (mut tc, mut fc, mut n_true) = (0usize, 0usize, 0usize);
        let mut true_count = vec![0usize; v.count.len()];
        for e in &self.lists[feature][v.start..v.end] {
            let row = e.row as usize;
            let (y, w) = self.class_weight[row];
            let w = w as usize;
            let t = f64::from(e.x) <= value;
            self.goes_true[row] = t;
            let side = usize::from(t);
            tc += w * side;
            fc += w * (1 - side);
            n_true += side;
            true_count[y as usize] += w * side;
        }
        let msl = self.params.min_samples_leaf;
        if tc < msl || fc < msl {
            let node = &mut self.nodes[v.node];
            node.split_feature = 0;
            node.split_value = None;
            node.split_score = None;
            return;
        }
        let true_idx = self.nodes.len();
        self.nodes.push(new_node(v.true_output, tc));
        let false_idx = self.nodes.len();
        self.nodes.push(new_node(v.false_output, fc));
        self.nodes[v.node].true_child = Some(true_idx);
        self.nodes[v.node].false_child = Some(false_idx);
        self.depth = self.depth.max(v.level + 1);

        // The split feature's list is sorted: its true rows are already a
        // prefix (`x <= value` holds up to some position, never after).
        for (j, list) in self.lists.iter_mut().enumerate() {
            if j == feature {
                continue;
            }
            stable_partition(
                &mut list[v.start..v.end],
                &self.goes_true,
                &mut self.scratch,
            );
        }
        let mid = v.start + n_true;
        let false_count = v
            .count
            .iter()
            .zip(&true_count)
            .map(|(c, t)| c - t)
            .collect();
        for (node, start, end, count) in [
            (true_idx, v.start, mid, true_count),
            (false_idx, mid, v.end, false_count),
        ] {
            let mut child = Visitor {
                node,
                start,
                end,
                level: v.level + 1,
                count,
                true_output: 0,
                false_output: 0,
            };
            if self.find_best_cutoff(&mut child) {
                queue.push_back(child);
            }
        }
    }
}

/// The best split found so far at a node.
#[derive(Debug, Default)]
struct Best {
    feature: usize,
    value: f64,
    score: Option<f64>,
    true_output: usize,
    false_output: usize,
}

/// Moves the entries whose row goes to the true child to the front, keeping
/// the order on both sides.
/// Branch-free: every entry is written to both places and only the cursor
/// of its side advances (the side is unpredictable, a branch mispredicts).
fn stable_partition(list: &mut [Entry], goes_true: &[bool], scratch: &mut [Entry]) {
    let len = list.len();
    let scratch = &mut scratch[..len];
    let (mut t, mut f) = (0usize, 0usize);
    for i in 0..len {
        let e = list[i];
        let side = goes_true[e.row as usize];
        // t <= i and f <= i: both slots are in bounds and `list[t]` has
        // already been read.
        list[t] = e;
        scratch[f] = e;
        t += usize::from(side);
        f += usize::from(!side);
    }
    list[t..].copy_from_slice(&scratch[..f]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;
    use smartcore::ensemble::random_forest_classifier::{
        RandomForestClassifier, RandomForestClassifierParameters,
    };
    use smartcore::linalg::basic::matrix::DenseMatrix;

    type Forest = RandomForestClassifier<f32, i64, DenseMatrix<f32>, Vec<i64>>;

    fn smartcore_bytes(cols: &[Vec<f32>], labels: &[i64], p: &Params) -> Vec<u8> {
        let n = labels.len();
        let values: Vec<f32> = (0..n)
            .flat_map(|r| cols.iter().map(move |c| c[r]))
            .collect();
        let x = DenseMatrix::new(n, cols.len(), values, false).unwrap();
        let mut params = RandomForestClassifierParameters::default()
            .with_n_trees(p.trees)
            .with_min_samples_leaf(p.min_samples_leaf)
            .with_min_samples_split(p.min_samples_split)
            .with_m(p.mtry)
            .with_seed(p.seed);
        params.max_depth = p.max_depth;
        let forest = Forest::fit(&x, &labels.to_vec(), params).unwrap();
        postcard::to_stdvec(&forest).unwrap()
    }

    fn fast_bytes(cols: &[Vec<f32>], labels: &[i64], p: &Params, threads: usize) -> Vec<u8> {
        postcard::to_stdvec(&fit(cols, labels, p, threads).unwrap()).unwrap()
    }

    fn same(cols: &[Vec<f32>], labels: &[i64], p: &Params) {
        let reference = smartcore_bytes(cols, labels, p);
        let fast = fast_bytes(cols, labels, p, 1);
        assert!(reference == fast, "fast differs from smartcore with {p:?}");
    }

    /// Tie-heavy data: `levels` distinct values per column, some rows
    /// duplicated, labels partly a function of the row.
    fn ties(
        rng: &mut SplitMix64,
        rows: usize,
        features: usize,
        levels: usize,
        k: usize,
    ) -> (Vec<Vec<f32>>, Vec<i64>) {
        let mut table: Vec<(Vec<f32>, i64)> = Vec::new();
        for _ in 0..rows {
            if !table.is_empty() && rng.below(4) == 0 {
                let copy = table[rng.below(table.len())].clone();
                table.push(copy);
                continue;
            }
            let row: Vec<f32> = (0..features)
                .map(|_| rng.below(levels) as f32 * 0.5 - 1.0)
                .collect();
            let label = if rng.below(3) == 0 {
                rng.below(k) as i64
            } else {
                i64::from(row[0] + row[features - 1] > 0.0)
            };
            table.push((row, label));
        }
        let cols = (0..features)
            .map(|c| table.iter().map(|(r, _)| r[c]).collect())
            .collect();
        let mut labels: Vec<i64> = table.iter().map(|(_, l)| *l * 10 - 3).collect();
        labels[0] = -3;
        labels[1] = 7;
        (cols, labels)
    }

    #[test]
    fn matches_smartcore_on_tie_heavy_data() {
        let mut rng = SplitMix64::new(11);
        for case in 0..60 {
            let features = 1 + case % 4;
            let rows = 20 + rng.below(120);
            let levels = 2 + rng.below(5);
            let (cols, labels) = ties(&mut rng, rows, features, levels, 2 + case % 3);
            let p = Params {
                trees: 1 + (case % 5) as u16,
                max_depth: [None, Some(1), Some(2), Some(4)][case % 4],
                min_samples_leaf: [0, 1, 3][case % 3],
                min_samples_split: [0, 2, 7][(case / 3) % 3],
                mtry: 1 + rng.below(features + 1),
                seed: rng.next_u64() % 1000,
            };
            same(&cols, &labels, &p);
        }
    }

    #[test]
    fn matches_smartcore_on_awkward_values() {
        // f32 sums that overflow or round, signed zeros, infinities, a
        // constant column; min_samples_leaf 0 keeps degenerate splits.
        let values = [
            f32::MAX,
            3.0e38,
            -3.0e38,
            -f32::MAX,
            0.0,
            -0.0,
            1.0,
            1.0f32.next_up(),
            1.0f32.next_up().next_up(),
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e-45,
            -1e-45,
        ];
        let mut rng = SplitMix64::new(5);
        for case in 0..40 {
            let n = 10 + rng.below(40);
            let cols: Vec<Vec<f32>> = vec![
                (0..n).map(|_| values[rng.below(values.len())]).collect(),
                (0..n).map(|_| values[rng.below(values.len())]).collect(),
                vec![2.5; n],
            ];
            let mut labels: Vec<i64> = (0..n).map(|_| rng.below(2) as i64).collect();
            labels[0] = 0;
            labels[1] = 1;
            let p = Params {
                trees: 3,
                max_depth: [None, Some(3)][case % 2],
                min_samples_leaf: [0, 1, 2][case % 3],
                min_samples_split: 2,
                mtry: 1 + case % 3,
                seed: case as u64,
            };
            same(&cols, &labels, &p);
        }
    }

    #[test]
    fn threads_do_not_change_the_forest() {
        let mut rng = SplitMix64::new(3);
        let (cols, labels) = ties(&mut rng, 300, 4, 6, 3);
        let p = Params {
            trees: 9,
            max_depth: None,
            min_samples_leaf: 1,
            min_samples_split: 2,
            mtry: 2,
            seed: 42,
        };
        let one = fast_bytes(&cols, &labels, &p, 1);
        for threads in [0, 2, 3, 7, 16] {
            assert!(
                one == fast_bytes(&cols, &labels, &p, threads),
                "{threads} threads"
            );
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let p = Params {
            trees: 1,
            max_depth: None,
            min_samples_leaf: 1,
            min_samples_split: 2,
            mtry: 1,
            seed: 0,
        };
        assert!(matches!(
            fit(&[vec![1.0, f32::NAN]], &[0, 1], &p, 1),
            Err(TrainError::NanFeature { row: 2, column: 0 })
        ));
        assert!(matches!(
            fit(&[vec![1.0, 2.0]], &[1, 1], &p, 1),
            Err(TrainError::SingleClass(1))
        ));
        assert!(matches!(
            fit(&[vec![1.0]], &[0, 1], &p, 1),
            Err(TrainError::FastTrainer(_))
        ));
        assert!(matches!(
            fit(&[], &[0, 1], &p, 1),
            Err(TrainError::FastTrainer(_))
        ));
        assert!(matches!(
            fit(&[vec![]], &[], &p, 1),
            Err(TrainError::NoRows)
        ));
        // No trees and no features per split are still forests, as in smartcore.
        let none = Params { trees: 0, ..p };
        assert!(fit(&[vec![1.0, 2.0]], &[0, 1], &none, 2).is_ok());
        let blind = Params { mtry: 0, ..p };
        same(&[vec![1.0, 2.0, 3.0]], &[0, 1, 0], &blind);
    }
}
