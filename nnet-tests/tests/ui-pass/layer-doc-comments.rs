// `///` doc comments on layer lines compile (they document the layers' fields), under
// `#![deny(missing_docs)]`, beside `//` comments, on vector and sequence networks.
#![deny(missing_docs)]
//! Documented layers.

nnet::network! {
    /// A documented network.
    pub struct Documented {
        input 2;
        /// The hidden layer: 3 units.
        dense 3 relu; // a plain comment
        /// The output.
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// A documented sequence network.
    pub struct DocumentedSequence {
        input sequence 2;
        /// Reads the sequence.
        gru 3;
        dense 1;
    }
}

fn main() {
    let y = Documented::seeded(1).forward(&nnet::vector![1.0, 2.0]);
    assert!(y[0] > 0.0 && y[0] < 1.0);
    let _ = DocumentedSequence::seeded(1);
}
