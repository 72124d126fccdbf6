//! A simulated sensor: an I2C device implementing the [`crate::sensor`]
//! register map that plays back baked rows, one sample per row.
//!
//! On QEMU there is no sensor, so the firmware reads the held-out rows through
//! this device and the real driver: sensor → predict → pin runs end to end.

use crate::sensor::{STATUS_DATA_READY, WHO_AM_I_VALUE, reg};
use embedded_hal::i2c::{
    ErrorKind, ErrorType, I2c, NoAcknowledgeSource, Operation, SevenBitAddress,
};

/// Why the replay device refused a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayError {
    /// Nothing answers at that address.
    NoDevice,
    /// The device is read-only except for the register pointer.
    WriteRefused,
}

impl embedded_hal::i2c::Error for ReplayError {
    fn kind(&self) -> ErrorKind {
        match self {
            ReplayError::NoDevice => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address),
            ReplayError::WriteRefused => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data),
        }
    }
}

/// Plays `rows` back through the sensor's register map.
#[derive(Debug)]
pub struct ReplaySensor<'a, const N: usize> {
    address: SevenBitAddress,
    rows: &'a [[f32; N]],
    sample: usize,
    pointer: usize,
}

impl<'a, const N: usize> ReplaySensor<'a, N> {
    /// A device at `address` that will serve `rows` in order.
    #[must_use]
    pub const fn new(address: SevenBitAddress, rows: &'a [[f32; N]]) -> Self {
        ReplaySensor {
            address,
            rows,
            sample: 0,
            pointer: 0,
        }
    }

    /// Samples served (acknowledged) so far.
    #[must_use]
    pub const fn served(&self) -> usize {
        self.sample
    }

    fn byte_at(&self, pointer: usize) -> u8 {
        let count = (N as u16).to_le_bytes();
        let block = usize::from(reg::FEATURE_0);
        match pointer {
            p if p == usize::from(reg::WHO_AM_I) => WHO_AM_I_VALUE,
            p if p == usize::from(reg::STATUS) && self.sample < self.rows.len() => {
                STATUS_DATA_READY
            }
            p if p == usize::from(reg::COUNT) => count[0],
            p if p == usize::from(reg::COUNT) + 1 => count[1],
            p if p >= block && p < block + 4 * N => {
                let i = p - block;
                self.rows
                    .get(self.sample)
                    .map_or(0, |row| row[i / 4].to_le_bytes()[i % 4])
            }
            _ => 0,
        }
    }

    fn read(&mut self, buf: &mut [u8]) {
        let last = usize::from(reg::FEATURE_0) + 4 * N - 1;
        let mut acknowledged = false;
        for byte in buf {
            *byte = self.byte_at(self.pointer);
            acknowledged |= self.pointer == last;
            self.pointer += 1;
        }
        if acknowledged && self.sample < self.rows.len() {
            self.sample += 1;
        }
    }
}

impl<const N: usize> ErrorType for ReplaySensor<'_, N> {
    type Error = ReplayError;
}

impl<const N: usize> I2c for ReplaySensor<'_, N> {
    fn transaction(
        &mut self,
        address: SevenBitAddress,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Self::Error> {
        if address != self.address {
            return Err(ReplayError::NoDevice);
        }
        for operation in operations {
            match operation {
                Operation::Write([]) => {}
                Operation::Write([register]) => self.pointer = usize::from(*register),
                Operation::Write(_) => return Err(ReplayError::WriteRefused),
                Operation::Read(buf) => self.read(buf),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensor::{DEFAULT_ADDRESS, Sensor, SensorError};

    #[test]
    fn the_driver_reads_every_row_back_bit_exactly() {
        let rows = [[1.5f32, -0.0], [f32::NAN, f32::INFINITY], [1e-40, 3.0]];
        let mut sensor = Sensor::new(ReplaySensor::new(DEFAULT_ADDRESS, &rows), DEFAULT_ADDRESS);
        sensor.init(2).unwrap();
        for row in &rows {
            let got: [f32; 2] = sensor.read_features().unwrap();
            assert_eq!(got.map(f32::to_bits), row.map(f32::to_bits));
        }
        assert_eq!(sensor.read_features::<2>(), Err(SensorError::NotReady));
        assert_eq!(sensor.release().served(), 3);
    }

    #[test]
    fn wrong_address_and_writes_are_refused() {
        let rows = [[0.0f32; 300]];
        let mut dev = ReplaySensor::new(0x10, &rows);
        assert_eq!(dev.write(0x11, &[0]), Err(ReplayError::NoDevice));
        assert_eq!(dev.write(0x10, &[0, 1]), Err(ReplayError::WriteRefused));
        // More features than a byte can count: COUNT is 16 bits.
        let mut sensor = Sensor::new(dev, 0x10);
        sensor.init(300).unwrap();
    }
}
