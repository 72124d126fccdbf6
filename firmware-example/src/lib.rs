//! A random forest on a Cortex-M: read a feature vector from an I2C sensor,
//! predict with the baked model, drive an alarm pin from the predicted class.
//!
//! This library is `#![no_std]` and also builds for the host, so the
//! embedded-hal 1.0 parts are unit-tested there with embedded-hal-mock:
//!
//! ```text
//! cargo test --lib --target x86_64-unknown-linux-gnu
//! ```
//!
//! The firmware itself (`src/main.rs`) is a thumb-only binary on top of it.
//!
//! * [`sensor`]: a driver generic over [`embedded_hal::i2c::I2c`] for a
//!   feature sensor with a documented register map.
//! * [`replay`]: an [`embedded_hal::i2c::I2c`] device that plays that register
//!   map back from baked rows (what the firmware reads in QEMU).
//! * [`alarm`]: an [`embedded_hal::digital::OutputPin`] set from the class.
//! * [`model`] / [`vectors`]: the model and held-out rows baked by `build.rs`.
#![no_std]
#![forbid(unsafe_code)]

pub mod alarm;
pub mod replay;
pub mod sensor;

/// The baked model (see `forest_codegen`): `NAME`, `FINGERPRINT`,
/// `N_FEATURES`, `N_CLASSES`, …, and `static MODEL`; on the thumb targets in
/// the packed layout (`FOREST_LAYOUT` chooses otherwise).
#[allow(clippy::all, missing_docs)]
pub mod model {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));

    // Recognisable symbols for the size report: the generator's tables are
    // `const`s that the compiler promotes to anonymous `.rodata` data. Each
    // `TABLE_*` static (a pointer and a length, 8 bytes; written by build.rs
    // for the layout it baked) refers to the same promoted data as `MODEL`;
    // the compiler merges identical promoted constants, so no table is
    // stored twice (`cargo xtask size` checks both: that each symbol points
    // at the table's exact bytes, and that those bytes are in flash once).
    include!(concat!(env!("OUT_DIR"), "/table_refs.rs"));
}

/// The held-out rows baked from the vectors file, with the trained model's
/// predicted label of each.
#[allow(clippy::all, missing_docs)]
pub mod vectors {
    include!(concat!(env!("OUT_DIR"), "/vectors.rs"));
}

const _: () = assert!(
    vectors::N_FEATURES == model::N_FEATURES,
    "the vectors file has another feature count than the model"
);

/// One row of the model's features.
pub type Row = [f32; model::N_FEATURES];

/// Predicts the class index of `row` with the baked model.
///
/// Never inlined, so the size report finds the prediction code under this
/// symbol (with `forest_core`'s walker inlined into it) and the instruction
/// counter knows where a prediction starts.
#[inline(never)]
#[must_use]
pub fn predict(row: &Row) -> usize {
    model::MODEL.predict(row)
}

/// Like [`predict`], also returning the decision nodes visited.
#[inline(never)]
#[must_use]
pub fn predict_counting(row: &Row) -> (usize, usize) {
    model::MODEL.predict_counting(row)
}

/// The original label of class index `class`.
#[must_use]
pub fn label(class: usize) -> i64 {
    model::CLASS_LABELS.get(class).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baked_vectors_match_the_baked_model_on_the_host() {
        for (row, &expected) in vectors::ROWS.iter().zip(&vectors::EXPECTED) {
            assert_eq!(label(predict(row)), expected);
        }
    }
}
