//! An alarm output driven by the predicted class.

use embedded_hal::digital::OutputPin;

/// Drives `pin` high while the predicted class is the alarm class, low
/// otherwise.
#[derive(Debug)]
pub struct Alarm<P> {
    pin: P,
    class: usize,
}

impl<P: OutputPin> Alarm<P> {
    /// An alarm raised by class index `class`; the pin starts low.
    ///
    /// # Errors
    ///
    /// The pin's error if it cannot be driven low.
    pub fn new(mut pin: P, class: usize) -> Result<Self, P::Error> {
        pin.set_low()?;
        Ok(Alarm { pin, class })
    }

    /// Sets the pin from a prediction; returns whether the alarm is raised.
    ///
    /// # Errors
    ///
    /// The pin's error.
    pub fn update(&mut self, predicted: usize) -> Result<bool, P::Error> {
        let raised = predicted == self.class;
        if raised {
            self.pin.set_high()?;
        } else {
            self.pin.set_low()?;
        }
        Ok(raised)
    }

    /// Gives the pin back.
    pub fn release(self) -> P {
        self.pin
    }
}

/// An output pin that only remembers its level and counts rising edges:
/// what the firmware drives in QEMU, where the machines have no LED to watch.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RecordingPin {
    /// Current level.
    pub high: bool,
    /// Low-to-high transitions so far.
    pub rising_edges: u32,
}

impl embedded_hal::digital::ErrorType for RecordingPin {
    type Error = core::convert::Infallible;
}

impl OutputPin for RecordingPin {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.high = false;
        Ok(())
    }

    fn set_high(&mut self) -> Result<(), Self::Error> {
        if !self.high {
            self.rising_edges += 1;
        }
        self.high = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_hal_mock::eh1::digital::{Mock, State, Transaction};

    #[test]
    fn pin_follows_the_alarm_class() {
        let expectations = [
            Transaction::set(State::Low),
            Transaction::set(State::High),
            Transaction::set(State::Low),
        ];
        let mut pin = Mock::new(&expectations);
        let mut alarm = Alarm::new(&mut pin, 1).unwrap();
        assert!(alarm.update(1).unwrap());
        assert!(!alarm.update(0).unwrap());
        pin.done();
    }

    #[test]
    fn recording_pin_counts_rising_edges() {
        let mut alarm = Alarm::new(RecordingPin::default(), 2).unwrap();
        for class in [2, 2, 0, 2, 1] {
            alarm.update(class).unwrap();
        }
        let pin = alarm.release();
        assert_eq!(pin.rising_edges, 2);
        assert!(!pin.high);
    }
}
