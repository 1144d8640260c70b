// A `#[weights]` path that is not a regular file (`/dev/zero` never ends) is refused at once.
nnet::network! {
    #[weights = "/dev/zero"]
    pub struct Net { input 2; dense 1 sigmoid; }
}

fn main() {
    let _ = Net::TRAINED;
}
