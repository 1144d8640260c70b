// `#[weights]` takes a string: `#[weights = "file.safetensors"]`.
nnet::network! {
    #[weights(tests/fixtures/classifier.safetensors)]
    pub struct Net { input 2; dense 1 sigmoid; }
}

fn main() {
    let _ = Net::TRAINED;
}
