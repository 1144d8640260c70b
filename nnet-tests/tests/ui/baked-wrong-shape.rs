// A baked tensor of another shape names the file, the tensor and the expected shape.
nnet::network! {
    #[weights = "tests/fixtures/classifier.safetensors"]
    pub struct Net {
        input 3;
        dense 10 relu;
        dense 20 leaky_relu (alpha = 0.1);
        dense 1 sigmoid;
    }
}

fn main() {
    static NET: Net = Net::TRAINED;
    let _ = &NET;
}
