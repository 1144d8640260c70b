// Feeding a 3-vector to a 2-input network is an ordinary type error.
nnet::network! {
    struct Net {
        input 2;
        dense 1 sigmoid;
    }
}

fn main() {
    let net = Net::seeded(1);
    let _ = net.forward(&nnet::vector![1.0, 2.0, 3.0]);
}
