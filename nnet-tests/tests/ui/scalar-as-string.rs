// The scalar is a type, written without quotes.
nnet::network! {
    #[scalar = "f64"]
    pub struct Net { input 2; dense 1 sigmoid; }
}

fn main() {}
