//! Driver for a feature sensor on I2C (a "feature front end": a device that
//! measures and pre-processes, and hands over one feature vector per sample).
//!
//! # Register map
//!
//! | address | name        | access | content |
//! |---------|-------------|--------|---------|
//! | `0x00`  | `WHO_AM_I`  | r      | `0xF5` |
//! | `0x01`  | `STATUS`    | r      | bit 0 `DATA_READY`: a sample is waiting |
//! | `0x02`  | `COUNT`     | r      | features per sample `n`, u16 little-endian (`0x02`–`0x03`) |
//! | `0x10`… | `FEATURE_0`… | r     | `n` × f32, little-endian, 4 bytes each (`FEATURE_i` at `0x10 + 4 i`) |
//!
//! Reads auto-increment the register address, so one write-read transaction
//! starting at `FEATURE_0` fetches the whole vector. Reading the last byte of
//! the feature block acknowledges the sample: `DATA_READY` clears until the
//! next sample is ready.

use embedded_hal::i2c::{I2c, SevenBitAddress};

/// Register addresses.
pub mod reg {
    /// Identity register, reads [`super::WHO_AM_I_VALUE`].
    pub const WHO_AM_I: u8 = 0x00;
    /// Status register; bit 0 is [`super::STATUS_DATA_READY`].
    pub const STATUS: u8 = 0x01;
    /// Number of features per sample, u16 little-endian (two bytes).
    pub const COUNT: u8 = 0x02;
    /// First byte of the feature block.
    pub const FEATURE_0: u8 = 0x10;
}

/// What `WHO_AM_I` reads.
pub const WHO_AM_I_VALUE: u8 = 0xF5;
/// `STATUS` bit: a sample is waiting.
pub const STATUS_DATA_READY: u8 = 0x01;
/// The sensor's default 7-bit bus address.
pub const DEFAULT_ADDRESS: SevenBitAddress = 0x48;

/// What went wrong talking to the sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorError<E> {
    /// The bus reported an error.
    Bus(E),
    /// `WHO_AM_I` did not read [`WHO_AM_I_VALUE`]: another device answered.
    WrongDevice {
        /// What it read.
        found: u8,
    },
    /// The sensor produces another number of features than the model reads.
    FeatureCountMismatch {
        /// Features the caller asked for.
        expected: usize,
        /// Features the sensor reports in `COUNT`.
        found: u16,
    },
    /// No sample is waiting (`DATA_READY` clear).
    NotReady,
}

impl<E> From<E> for SensorError<E> {
    fn from(e: E) -> Self {
        SensorError::Bus(e)
    }
}

/// A feature sensor on an I2C bus.
#[derive(Debug)]
pub struct Sensor<I2C> {
    i2c: I2C,
    address: SevenBitAddress,
}

impl<I2C: I2c> Sensor<I2C> {
    /// A driver for the sensor at `address` on `i2c`.
    pub fn new(i2c: I2C, address: SevenBitAddress) -> Self {
        Sensor { i2c, address }
    }

    /// Gives the bus back.
    pub fn release(self) -> I2C {
        self.i2c
    }

    fn read_register(&mut self, register: u8) -> Result<u8, SensorError<I2C::Error>> {
        let mut value = [0];
        self.i2c.write_read(self.address, &[register], &mut value)?;
        Ok(value[0])
    }

    /// Checks that the device is the sensor and produces `n_features`
    /// features per sample.
    ///
    /// # Errors
    ///
    /// [`SensorError::WrongDevice`], [`SensorError::FeatureCountMismatch`],
    /// or [`SensorError::Bus`].
    pub fn init(&mut self, n_features: usize) -> Result<(), SensorError<I2C::Error>> {
        let id = self.read_register(reg::WHO_AM_I)?;
        if id != WHO_AM_I_VALUE {
            return Err(SensorError::WrongDevice { found: id });
        }
        let mut count = [0; 2];
        self.i2c
            .write_read(self.address, &[reg::COUNT], &mut count)?;
        let count = u16::from_le_bytes(count);
        if usize::from(count) != n_features {
            return Err(SensorError::FeatureCountMismatch {
                expected: n_features,
                found: count,
            });
        }
        Ok(())
    }

    /// Whether a sample is waiting.
    ///
    /// # Errors
    ///
    /// [`SensorError::Bus`].
    pub fn data_ready(&mut self) -> Result<bool, SensorError<I2C::Error>> {
        Ok(self.read_register(reg::STATUS)? & STATUS_DATA_READY != 0)
    }

    /// Reads the waiting sample's `N` features in one burst (which
    /// acknowledges it).
    ///
    /// # Errors
    ///
    /// [`SensorError::NotReady`] if no sample is waiting, or
    /// [`SensorError::Bus`].
    pub fn read_features<const N: usize>(&mut self) -> Result<[f32; N], SensorError<I2C::Error>> {
        if !self.data_ready()? {
            return Err(SensorError::NotReady);
        }
        let mut raw = [[0u8; 4]; N];
        self.i2c
            .write_read(self.address, &[reg::FEATURE_0], raw.as_flattened_mut())?;
        Ok(raw.map(f32::from_le_bytes))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use embedded_hal::i2c::ErrorKind;
    use embedded_hal_mock::eh1::i2c::{Mock, Transaction};
    use std::vec;
    use std::vec::Vec;

    const A: u8 = DEFAULT_ADDRESS;

    fn feature_bytes(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn init_checks_identity_and_count() {
        let expectations = [
            Transaction::write_read(A, vec![reg::WHO_AM_I], vec![WHO_AM_I_VALUE]),
            Transaction::write_read(A, vec![reg::COUNT], vec![3, 0]),
        ];
        let mut i2c = Mock::new(&expectations);
        Sensor::new(&mut i2c, A).init(3).unwrap();
        i2c.done();
    }

    #[test]
    fn init_refuses_another_device_and_another_count() {
        let expectations = [Transaction::write_read(A, vec![reg::WHO_AM_I], vec![0x33])];
        let mut i2c = Mock::new(&expectations);
        assert_eq!(
            Sensor::new(&mut i2c, A).init(3),
            Err(SensorError::WrongDevice { found: 0x33 })
        );
        i2c.done();

        let expectations = [
            Transaction::write_read(A, vec![reg::WHO_AM_I], vec![WHO_AM_I_VALUE]),
            Transaction::write_read(A, vec![reg::COUNT], vec![5, 1]),
        ];
        let mut i2c = Mock::new(&expectations);
        assert_eq!(
            Sensor::new(&mut i2c, A).init(3),
            Err(SensorError::FeatureCountMismatch {
                expected: 3,
                found: 261
            })
        );
        i2c.done();
    }

    #[test]
    fn reads_one_little_endian_vector_in_one_burst() {
        let values = [0.5f32, -1.25, f32::from_bits(0x0000_0001)];
        let expectations = [
            Transaction::write_read(A, vec![reg::STATUS], vec![STATUS_DATA_READY]),
            Transaction::write_read(A, vec![reg::FEATURE_0], feature_bytes(&values)),
        ];
        let mut i2c = Mock::new(&expectations);
        let got: [f32; 3] = Sensor::new(&mut i2c, A).read_features().unwrap();
        assert_eq!(got.map(f32::to_bits), values.map(f32::to_bits));
        i2c.done();
    }

    #[test]
    fn not_ready_reads_nothing_more() {
        let expectations = [Transaction::write_read(A, vec![reg::STATUS], vec![0])];
        let mut i2c = Mock::new(&expectations);
        assert_eq!(
            Sensor::new(&mut i2c, A).read_features::<3>(),
            Err(SensorError::NotReady)
        );
        i2c.done();
    }

    #[test]
    fn bus_errors_are_passed_on() {
        let expectations =
            [Transaction::write_read(A, vec![reg::STATUS], vec![0]).with_error(ErrorKind::Other)];
        let mut i2c = Mock::new(&expectations);
        assert_eq!(
            Sensor::new(&mut i2c, A).data_ready(),
            Err(SensorError::Bus(ErrorKind::Other))
        );
        i2c.done();
    }
}
