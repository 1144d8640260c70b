// `#[scalar]` names its type: `#[scalar = f64]`.
nnet::network! {
    #[scalar]
    pub struct Net { input 2; dense 1 sigmoid; }
}

fn main() {}
