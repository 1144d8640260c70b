// A truncated weights file is a compile error naming the file.
nnet::network! {
    #[weights = "tests/fixtures/truncated.safetensors"]
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
