// A network computes in f32 or f64: no other float type.
nnet::network! {
    #[scalar = f16]
    pub struct Net { input 2; dense 1 sigmoid; }
}

fn main() {}
