// A syntax error after the name still emits the stub: no "cannot find type" for `Net`.
nnet::network! {
    pub struct Net < input 2; dense 1 sigmoid;
}

fn main() {
    let net = Net::seeded(1);
    let _ = net.clone();
}
