//! The firmware: boots, prints the model's name and fingerprint, then reads
//! every held-out row through the I2C sensor driver (from the replay device),
//! predicts, drives the alarm pin, and checks each prediction against the
//! trained model's. Ends with `N passed, M failed` and exits QEMU with 0 only
//! when every row passed.
//!
//! It also prints one `measure:` line for `cargo xtask size`: the decision
//! nodes visited over all rows (`predict_counting`) and the stack high-water
//! mark of `predict` (the stack below it is painted before each call and
//! scanned after).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use firmware_example::alarm::{Alarm, RecordingPin};
use firmware_example::replay::ReplaySensor;
use firmware_example::sensor::{DEFAULT_ADDRESS, Sensor};
use firmware_example::{Row, label, model, predict, predict_counting, vectors};
use panic_semihosting as _;

/// Failing rows printed in full before the output is cut short.
const MAX_REPORTED_FAILURES: usize = 10;

#[entry]
fn main() -> ! {
    hprintln!("model {} sha256:{}", model::NAME, model::FINGERPRINT);
    hprintln!(
        "{} features, {} classes, {} trees, {} decision nodes ({} layout, {} stored); {} held-out rows",
        model::N_FEATURES,
        model::N_CLASSES,
        model::N_TREES,
        model::N_DECISION_NODES,
        model::LAYOUT,
        model::N_NODES,
        vectors::N_ROWS
    );
    let code = if run() {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    };
    debug::exit(code);
    // A debugger that does not end the program lets semihosting exit return.
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Runs every held-out row through sensor → predict → pin; true if all pass.
fn run() -> bool {
    let device = ReplaySensor::new(DEFAULT_ADDRESS, &vectors::ROWS);
    let mut sensor = Sensor::new(device, DEFAULT_ADDRESS);
    if let Err(e) = sensor.init(model::N_FEATURES) {
        hprintln!("sensor init failed: {:?}", e);
        hprintln!("0 passed, {} failed", vectors::N_ROWS);
        return false;
    }
    // The last class raises the alarm (the "positive" class of a binary model).
    let alarm_class = model::N_CLASSES - 1;
    let Ok(mut alarm) = Alarm::new(RecordingPin::default(), alarm_class);

    let (mut passed, mut failed) = (0usize, 0usize);
    let (mut nodes_visited, mut stack_max) = (0usize, 0usize);
    for (i, &expected) in vectors::EXPECTED.iter().enumerate() {
        let row: Row = match sensor.read_features() {
            Ok(row) => row,
            Err(e) => {
                hprintln!("row {}: sensor read failed: {:?}", i, e);
                failed += 1;
                continue;
            }
        };
        let (class, stack) = measure(&row);
        stack_max = stack_max.max(stack);
        let Ok(raised) = alarm.update(class);
        let (counted_class, visited) = predict_counting(&row);
        nodes_visited += visited;

        let ok =
            label(class) == expected && counted_class == class && raised == (class == alarm_class);
        if ok {
            passed += 1;
        } else {
            failed += 1;
            if failed <= MAX_REPORTED_FAILURES {
                hprintln!(
                    "row {}: predicted label {}, the trained model predicted {}",
                    i,
                    label(class),
                    expected
                );
            }
        }
    }
    if sensor.data_ready().unwrap_or(true) {
        hprintln!("the sensor still has samples after the last expected row");
        failed += 1;
    }
    let pin = alarm.release();
    hprintln!(
        "alarm (class label {}): raised {} times, pin {}",
        label(alarm_class),
        pin.rising_edges,
        if pin.high { "high" } else { "low" }
    );
    hprintln!(
        "measure: rows={} nodes_visited={} stack_bytes={}",
        passed + failed,
        nodes_visited,
        stack_max
    );
    hprintln!("{} passed, {} failed", passed, failed);
    failed == 0 && passed == vectors::N_ROWS
}

/// Predicts `row` and returns the class and the stack bytes `predict` used.
///
/// Never inlined: `cargo xtask size` counts a prediction's instructions from
/// the entry of `predict` until execution is back in this function.
#[inline(never)]
fn measure(row: &Row) -> (usize, usize) {
    let top = stack::paint();
    let class = predict(row);
    (class, stack::used_below(top))
}

/// Stack painting: the only `unsafe` in the firmware.
///
/// Measuring the stack a call used means writing and reading memory below the
/// stack pointer, which no safe API can express. The region is bounded by the
/// current stack pointer above and by cortex-m-rt's heap start (the end of
/// `.bss`) below, so only free stack is touched; volatile accesses keep the
/// compiler from eliding them.
#[allow(unsafe_code)]
mod stack {
    /// Bytes below the stack pointer that are painted.
    const PAINT_BYTES: usize = 4096;
    const PATTERN: u32 = 0xC0DE_F00D;

    fn region() -> (usize, usize) {
        let top = cortex_m::register::msp::read() as usize & !3;
        let floor = cortex_m_rt::heap_start() as usize;
        (top.saturating_sub(PAINT_BYTES).max(floor), top)
    }

    /// Paints the free stack below the caller's frame; returns its top.
    ///
    /// Inlined so the stack pointer read is the caller's.
    #[inline(always)]
    pub fn paint() -> usize {
        let (low, top) = region();
        let mut addr = low;
        while addr < top {
            // SAFETY: `low..top` is free stack below the current stack pointer
            // and above the end of `.bss` (see the module documentation);
            // nothing lives there, and the addresses are 4-byte aligned.
            unsafe { core::ptr::write_volatile(addr as *mut u32, PATTERN) };
            addr += 4;
        }
        top
    }

    /// Bytes below `top` written since [`paint`] (the lowest changed word).
    #[inline(always)]
    pub fn used_below(top: usize) -> usize {
        let (low, _) = region();
        let mut addr = low;
        while addr < top {
            // SAFETY: as in `paint`: free, aligned stack below the stack pointer.
            if unsafe { core::ptr::read_volatile(addr as *const u32) } != PATTERN {
                break;
            }
            addr += 4;
        }
        top - addr
    }
}
