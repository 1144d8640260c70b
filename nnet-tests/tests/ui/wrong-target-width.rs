// A target of the wrong width for the network's output does not compile.
use nnet::loss::BinaryCrossentropy;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer};
use nnet::vector;

nnet::network! {
    struct Net { input 2; dense 4 relu; dense 1 sigmoid; }
}

fn main() {
    let inputs = [vector![0.0, 1.0]];
    let targets = [vector![0.0, 1.0]];
    let mut net = Net::seeded(1);
    let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
    let _ = trainer.fit(&mut net, &inputs, &targets, &FitConfig::default());
}
