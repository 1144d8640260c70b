// A layer list opened with `<` and never closed is reported on the `<`.
nnet::network! {
    pub struct Net < input 2; dense 1 sigmoid;
}

fn main() {}
