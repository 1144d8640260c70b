//! Validation: the meaning of the layer list. Every rule is one small function; all problems
//! are collected and reported together. The driver here walks the lines: [`input`] checks the
//! input line, [`layer`] each layer line (the rules in [`activation`], [`options`] and [`size`],
//! the kind built in [`kinds`]), [`shapes`] the shape each layer outputs and the network's
//! output, [`recurrence`] what holds across stepped layers (recurrent layers, streamed
//! convolutions).

mod activation;
mod axes;
mod input;
mod kinds;
mod layer;
mod options;
mod recurrence;
mod shapes;
mod size;
mod window;

use crate::ast::{LayerStmt, NetworkDef, Statement};
use nnet_kinds::{INLINE_PARAMS, INLINE_UNITS};

use crate::model::{Kind, KindWord, Layer, Model};

/// Checks the whole definition, returning the model or every error found.
pub(crate) fn validate(def: &NetworkDef) -> syn::Result<Model<'_>> {
    let mut errors = def.errors.clone();
    let input = input::check_input_line(def, &mut errors);
    let flow = shapes::Flow {
        input: input.flowing,
        known: input.known,
    };

    let mut layers: Vec<Layer> = Vec::new();
    let mut last_line: Option<&LayerStmt> = None;
    let mut shape = input.flowing;
    let mut inline_params = 0;
    // The past inputs of the streamed convolutions so far, values.
    let mut history = 0;
    for statement in &def.statements {
        let Statement::Layer(line) = statement else {
            continue;
        };
        let Some(word) = KindWord::from_word(&line.keyword.to_string()) else {
            continue;
        };
        let Some((kind, units)) = layer::check_layer(line, word, shape, &mut errors) else {
            continue;
        };
        let ordinal = 1 + layers.iter().filter(|l| l.word == word).count();
        if word.is_recurrent() {
            recurrence::check_recurrent_weights(line, word, shape.channels(), units, &mut errors);
        }
        let reported = count(&errors);
        let output =
            shapes::output_shape(&kind, line, shape, units, &flow, layers.last(), &mut errors);
        let mut layer = Layer {
            word,
            kind,
            ordinal,
            input: shape,
            output,
            inputs: shape.len(),
            units: output.len(),
            boxed: false,
            heap_vectors: false,
            heap_layer_vectors: false,
            span: line.keyword.span(),
            scalar: def.scalar,
        };
        shape = output;
        // A line whose shape was refused has one error already.
        if count(&errors) == reported {
            recurrence::check_history(line, &layer, &mut history, &mut errors);
        }
        place(&mut layer, &mut inline_params);
        layers.push(layer);
        last_line = Some(line);
    }

    recurrence::check_recurrence(def, input.sequence, input.shape, &layers, &mut errors);
    if let (Some(line), Some(layer)) = (last_line, layers.last()) {
        shapes::check_output(line, layer, &flow, &mut errors);
    }

    match (errors, input.shape) {
        (Some(errors), _) => Err(errors),
        (None, Some(shape)) => Ok(Model {
            def,
            input: shape,
            inputs: shape.len(),
            sequence: input.sequence.is_some(),
            layers,
        }),
        // check_input_line reports an error whenever it returns no shape.
        (None, None) => Err(syn::Error::new(def.body_span, "missing `input N;`")),
    }
}

/// The number of errors reported so far.
fn count(errors: &Option<syn::Error>) -> usize {
    errors.as_ref().map_or(0, |e| e.into_iter().count())
}

/// Where the layer's weights and vectors live, given the inline weights of the layers before.
fn place(layer: &mut Layer, inline_params: &mut usize) {
    layer.heap_vectors = layer.units > INLINE_UNITS;
    // On a fixed shape, a layer keeps one set of vectors for every position: one value per
    // output channel.
    layer.heap_layer_vectors = layer.output.channels() > INLINE_UNITS;
    // Dense, convolution and recurrent layers share the budget of inline weights; beyond it their
    // weights live on the heap (a recurrent layer's vectors stay inline: they are small).
    let weighted = matches!(
        layer.kind,
        Kind::Dense { .. } | Kind::Recurrent { .. } | Kind::Conv(_)
    );
    let weights = if weighted { layer.params() } else { 0 };
    let heap_vectors = layer.heap_layer_vectors && !layer.is_recurrent();
    layer.boxed = weighted && (heap_vectors || *inline_params + weights > INLINE_PARAMS);
    if !layer.boxed {
        *inline_params += weights;
    }
}
