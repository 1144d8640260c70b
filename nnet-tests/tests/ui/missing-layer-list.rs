// A network without a layer list is rejected, and code using it sees no "cannot find type".
nnet::network! {
    pub struct Net;
}

fn main() {
    let _ = Net::seeded(1);
}
