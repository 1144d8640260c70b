// A `#[weights]` file that does not exist is a compile error on the path.
nnet::network! {
    #[weights = "tests/fixtures/no-such-file.safetensors"]
    pub struct Net { input 2; dense 1 sigmoid; }
}

fn main() {
    let _ = Net::TRAINED;
}
