// A network computes in f32 or f64: not in an integer type.
nnet::network! {
    #[scalar = i32]
    pub struct Net { input 2; dense 1 sigmoid; }
}

fn main() {}
