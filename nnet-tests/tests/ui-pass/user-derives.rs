// A network whose user derives some of the traits the macro derives (`Clone`, `Debug`,
// `PartialEq`) compiles, and has them all: the macro derives only those the user does not.
nnet::network! {
    /// A vector network deriving two of the three itself.
    #[derive(Clone, Debug)]
    pub struct Derived {
        input 2;
        dense 3 relu;
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// A sequence network deriving all three itself, one by its full path.
    #[derive(::core::clone::Clone, Debug, PartialEq)]
    pub struct DerivedSequence {
        input sequence 2;
        gru 3;
        dense 1;
    }
}

fn main() {
    let net = Derived::seeded(1);
    assert_eq!(net.clone(), net);
    assert!(format!("{net:?}").contains("dense1"));
    let seq = DerivedSequence::seeded(1);
    assert_eq!(seq.clone(), seq);
    assert!(format!("{seq:?}").contains("gru1"));
}
