// Same shapes, other activations: the architecture recorded in the file tells.
nnet::network! {
    #[weights = "tests/fixtures/classifier.safetensors"]
    pub struct Net {
        input 2;
        dense 10 tanh;
        dense 20 leaky_relu (alpha = 0.1);
        dense 1 sigmoid;
    }
}

fn main() {
    let _ = Net::trained();
}
