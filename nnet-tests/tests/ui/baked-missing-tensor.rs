// A baked file with a layer fewer than the network names the missing tensor and its shape.
nnet::network! {
    #[weights = "tests/fixtures/classifier.safetensors"]
    pub struct Net {
        input 2;
        dense 10 relu;
        dense 20 leaky_relu (alpha = 0.1);
        dense 1 sigmoid;
        dense 1 sigmoid;
    }
}

fn main() {
    let _ = Net::TRAINED;
}
