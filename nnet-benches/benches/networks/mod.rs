//! The networks the benchmarks measure: the seed network and `2 → W relu → W relu → 1 sigmoid`.

nnet::network! {
    /// The seed network.
    pub struct Seed { input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid; }
}
nnet::network! {
    pub struct W64 { input 2; dense 64 relu; dense 64 relu; dense 1 sigmoid; }
}
nnet::network! {
    pub struct W256 { input 2; dense 256 relu; dense 256 relu; dense 1 sigmoid; }
}
nnet::network! {
    pub struct W1024 { input 2; dense 1024 relu; dense 1024 relu; dense 1 sigmoid; }
}
nnet::network! {
    /// `W64` with batch normalization after each hidden dense layer (which then has no
    /// activation of its own, so the normalization folds into it for inference).
    pub struct Normed64 {
        input 2;
        dense 64; batch_norm; activation relu;
        dense 64; batch_norm; activation relu;
        dense 1 sigmoid;
    }
}
nnet::network! {
    /// The seed network with batch normalization and dropout.
    pub struct NormedSeed {
        input 2;
        dense 10; batch_norm; activation relu; dropout 0.2;
        dense 20; batch_norm; activation relu;
        dense 1 sigmoid;
    }
}
