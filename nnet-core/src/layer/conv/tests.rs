//! Tests of the convolution layer.
