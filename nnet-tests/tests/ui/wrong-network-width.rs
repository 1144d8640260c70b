// Feeding a 3-output network into a 2-input network is an ordinary type error.
nnet::network! {
    struct Encoder {
        input 4;
        dense 3 relu;
    }
}

nnet::network! {
    struct Decoder {
        input 2;
        dense 1 sigmoid;
    }
}

fn main() {
    let encoder = Encoder::seeded(1);
    let decoder = Decoder::seeded(2);
    let _ = decoder.forward(&encoder.forward(&nnet::vector![1.0, 2.0, 3.0, 4.0]));
}
