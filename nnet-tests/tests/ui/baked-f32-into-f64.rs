// An f64 network bakes F64 tensors: an F32 file is refused, never converted silently.
nnet::network! {
    #[scalar = f64]
    #[weights = "tests/fixtures/classifier.safetensors"]
    pub struct Net {
        input 2;
        dense 10 relu;
        dense 20 leaky_relu (alpha = 0.1);
        dense 1 sigmoid;
    }
}

fn main() {
    let _ = Net::TRAINED;
}
