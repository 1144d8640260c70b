// Zero units in hexadecimal (`dense 0x0`) get one error, the size check's, whose fix is a size
// that works; not also the plain-decimal rewrite `dense 0;`, which would be refused in turn.
nnet::network! {
    struct Net {
        input 4;
        dense 0x0;
        dense 1 sigmoid;
    }
}

fn main() {}
