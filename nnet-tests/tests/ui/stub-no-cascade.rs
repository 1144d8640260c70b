// On an error, code using the network sees only the macro's error, not "cannot find type".
nnet::network! {
    pub struct Net {
        input 2;
        dense 4 rleu;
        dense 1 sigmoid;
    }
}

fn main() {
    let net = Net::seeded(1);
    let copy: Net = net.clone();
    assert_eq!(Net::INPUTS, copy.forward::<_, usize>(&[1.0_f32, 2.0]));
    assert_eq!(Net::PARAMS + Net::MACS, Net::OUTPUTS);
}
