// A network is baked from one file.
nnet::network! {
    #[weights = "tests/fixtures/classifier.safetensors"]
    #[weights = "tests/fixtures/wide.safetensors"]
    pub struct Net { input 2; dense 1 sigmoid; }
}

fn main() {
    let _ = Net::TRAINED;
}
