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
