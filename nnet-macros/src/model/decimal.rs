//! A number of the layer list (`epsilon = 0.001`, `dropout 0.3`, `alpha = 0.2`) as each scalar
//! reads it, so that an `f64` network holds the setting as written and an `f32` network the
//! `f32` it always held.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::scalar::ScalarKind;

/// A decimal number as written, read once as an `f32` and once as an `f64`: an `f64` read of
/// the text, not the `f32` widened, so `0.001` is `0.001_f64` and not `0.0010000000474974513`;
/// and an `f32` read of the text, not the `f64` narrowed, which could round twice.
///
/// Range checks, defaults and the architecture that saved files record read the `f32`, so they
/// are what they were before settings were carried in `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Decimal {
    /// The number as an `f32` reads it: what an `f32` network computes with.
    pub single: f32,
    /// The number as an `f64` reads it: what an `f64` network computes with.
    pub double: f64,
}

impl Decimal {
    /// The number of the decimal `digits` (without sign or suffix), negated if `negative`.
    pub(crate) fn parse(digits: &str, negative: bool) -> Option<Self> {
        let (single, double) = (digits.parse::<f32>().ok()?, digits.parse::<f64>().ok()?);
        Some(if negative {
            Self {
                single: -single,
                double: -double,
            }
        } else {
            Self { single, double }
        })
    }

    /// A default that `nnet_kinds` declares as an `f32` (`0.99`, `1e-3`), read as the decimal
    /// of its shortest text, as Keras writes it.
    pub(crate) fn of_f32(value: f32) -> Self {
        Self {
            single: value,
            double: value.to_string().parse().unwrap_or(f64::from(value)),
        }
    }

    /// Whether the number is zero in either reading.
    pub(crate) fn is_zero(self) -> bool {
        self.single == 0.0 && self.double == 0.0
    }

    /// A literal of the network's scalar (`0.2f32`, `0.2f64`), for numbers the layer holds in
    /// its scalar (an activation's `alpha`).
    pub(crate) fn scalar_literal(self, scalar: ScalarKind) -> TokenStream {
        match scalar {
            ScalarKind::F32 => signed(
                Literal::f32_suffixed(self.single.abs()),
                self.single.is_sign_negative(),
            ),
            ScalarKind::F64 => signed(
                Literal::f64_suffixed(self.double.abs()),
                self.double.is_sign_negative(),
            ),
        }
    }

    /// An `f64` literal for a setting that `nnet_core` holds in `f64` and rounds to the
    /// network's scalar (`epsilon`, `momentum`, a dropout rate, `l1`): for an `f64` network
    /// the number as written; for an `f32` network an `f64` whose `f32` is [`single`](Self::single)
    /// exactly, so the network computes as before: the number as written where it rounds so
    /// (nearly always), else `single` widened.
    pub(crate) fn setting_literal(self, scalar: ScalarKind) -> TokenStream {
        let value = match scalar {
            ScalarKind::F64 => self.double,
            // Comparing bits: the two readings agree on the sign of a zero too.
            ScalarKind::F32 if (self.double as f32).to_bits() == self.single.to_bits() => {
                self.double
            }
            ScalarKind::F32 => f64::from(self.single),
        };
        signed(Literal::f64_suffixed(value.abs()), value.is_sign_negative())
    }
}

/// `literal` with its sign in front.
fn signed(literal: Literal, negative: bool) -> TokenStream {
    if negative {
        quote!(-#literal)
    } else {
        quote!(#literal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `literal` as the number it spells.
    fn value(tokens: &TokenStream) -> f64 {
        let text = tokens.to_string().replace(' ', "");
        let (sign, digits) = match text.strip_prefix('-') {
            Some(digits) => (-1.0, digits),
            None => (1.0, text.as_str()),
        };
        let digits = digits.trim_end_matches("f64").trim_end_matches("f32");
        sign * digits.parse::<f64>().expect("a number")
    }

    #[test]
    fn an_f64_network_holds_the_number_as_written() {
        for text in ["0.001", "0.99", "1e-5", "0.1", "0.3", "2.5e-4", "0.9"] {
            let decimal = Decimal::parse(text, false).expect("parses");
            let f64_setting = decimal.setting_literal(ScalarKind::F64);
            assert_eq!(value(&f64_setting), text.parse::<f64>().unwrap(), "{text}");
            let alpha = decimal.scalar_literal(ScalarKind::F64);
            assert_eq!(value(&alpha), text.parse::<f64>().unwrap(), "{text}");
        }
    }

    #[test]
    fn an_f32_network_rounds_to_the_f32_it_always_read() {
        // The last is just above the midpoint of the f32s 0.5 and 0.5 + 2⁻²⁴: read as an f32 it
        // rounds up, read as an f64 it is the midpoint, which then rounds to even, down to 0.5.
        let halfway = "0.50000002980232238769531251";
        for text in ["0.001", "0.99", "1e-5", "0.1", "0.3", "2.5e-4", halfway] {
            let decimal = Decimal::parse(text, true).expect("parses");
            let want = -text.parse::<f32>().unwrap();
            let setting = value(&decimal.setting_literal(ScalarKind::F32));
            assert_eq!((setting as f32).to_bits(), want.to_bits(), "{text}");
            let alpha = value(&decimal.scalar_literal(ScalarKind::F32));
            assert_eq!((alpha as f32).to_bits(), want.to_bits(), "{text}");
        }
        let decimal = Decimal::parse(halfway, false).expect("parses");
        assert_ne!(
            decimal.double as f32, decimal.single,
            "a case of double rounding"
        );
    }

    #[test]
    fn defaults_read_as_keras_writes_them() {
        assert_eq!(Decimal::of_f32(0.99).double, 0.99);
        assert_eq!(Decimal::of_f32(1e-3).double, 0.001);
        assert!(Decimal::of_f32(0.0).is_zero());
    }
}
