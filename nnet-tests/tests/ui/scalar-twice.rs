// A network has one scalar.
nnet::network! {
    #[scalar = f64]
    #[scalar = f32]
    pub struct Net { input 2; dense 1 sigmoid; }
}

fn main() {}
