//! Validation: the meaning of the layer list. Every rule is one small function; all problems
//! are collected and reported together. The driver here walks the lines: [`input`] checks the
//! input line, [`layer`] each layer line (the rules in [`activation`], [`options`] and [`size`],
//! the kind built in [`kinds`]), [`shapes`] the shape each layer outputs and the network's
//! output, [`recurrence`] what holds across stepped layers (recurrent layers, streamed
//! convolutions), [`residual`] what a `residual` block's sum needs.

mod activation;
mod axes;
mod input;
mod kinds;
mod layer;
mod options;
mod recurrence;
mod residual;
mod shapes;
mod size;
mod window;

use crate::ast::{LayerStmt, NetworkDef, ResidualStmt, Statement};
use nnet_kinds::{INLINE_PARAMS, INLINE_UNITS};

use crate::model::{Block, Kind, KindWord, Layer, Model};

/// Checks the whole definition, returning the model or every error found.
pub(crate) fn validate(def: &NetworkDef) -> syn::Result<Model<'_>> {
    let mut errors = def.errors.clone();
    let input = input::check_input_line(def, &mut errors);
    let flow = shapes::Flow {
        input: input.flowing,
        known: input.known,
    };

    let mut walk = Walk {
        def,
        flow: &flow,
        layers: Vec::new(),
        blocks: Vec::new(),
        opened: 0,
        last_line: None,
        shape: input.flowing,
        inline_params: 0,
        history: 0,
        errors,
    };
    walk.statements(&def.statements);
    let Walk {
        layers,
        mut blocks,
        last_line,
        mut errors,
        ..
    } = walk;
    blocks.sort_by_key(|b| b.ordinal);

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
            blocks,
        }),
        // check_input_line reports an error whenever it returns no shape.
        (None, None) => Err(syn::Error::new(def.body_span, "missing `input N;`")),
    }
}

/// The walk over the lines, into residual blocks: what is known so far.
struct Walk<'a, 'f> {
    def: &'a NetworkDef,
    flow: &'f shapes::Flow,
    layers: Vec<Layer>,
    blocks: Vec<Block>,
    /// The `residual` keywords met so far.
    opened: usize,
    last_line: Option<&'a LayerStmt>,
    /// The shape flowing out of the last line.
    shape: nnet_kinds::Shape,
    inline_params: usize,
    /// The past inputs of the streamed convolutions so far, values.
    history: usize,
    errors: Option<syn::Error>,
}

impl<'a> Walk<'a, '_> {
    fn statements(&mut self, statements: &'a [Statement]) {
        for statement in statements {
            match statement {
                Statement::Layer(line) => self.layer(line),
                Statement::Residual(block) => self.residual(block),
                Statement::Input { .. } => {}
            }
        }
    }

    fn layer(&mut self, line: &'a LayerStmt) {
        let errors = &mut self.errors;
        let shape = self.shape;
        let Some(word) = KindWord::from_word(&line.keyword.to_string()) else {
            return;
        };
        let Some((kind, units)) = layer::check_layer(line, word, shape, errors) else {
            return;
        };
        let ordinal = 1 + self.layers.iter().filter(|l| l.word == word).count();
        if word.is_recurrent() {
            let scalar = self.def.scalar;
            recurrence::check_recurrent_weights(
                line,
                word,
                shape.channels(),
                units,
                scalar,
                errors,
            );
        }
        let reported = count(errors);
        let output = shapes::output_shape(
            &kind,
            line,
            shape,
            units,
            self.flow,
            self.layers.last(),
            errors,
        );
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
            scalar: self.def.scalar,
            residual: None,
        };
        self.shape = output;
        // A line whose shape was refused has one error already.
        if count(errors) == reported {
            recurrence::check_history(line, &layer, &mut self.history, errors);
        }
        place(&mut layer, &mut self.inline_params);
        self.layers.push(layer);
        self.last_line = Some(line);
    }

    /// A `residual` block: its lines, then the rules on its sum (see [`residual`]).
    fn residual(&mut self, statement: &'a ResidualStmt) {
        self.opened += 1;
        let ordinal = self.opened;
        let (input, first) = (self.shape, self.layers.len());
        let reported = count(&self.errors);
        self.statements(&statement.body);
        let Some(last) = self
            .layers
            .len()
            .checked_sub(1)
            .filter(|&last| last >= first)
        else {
            if count(&self.errors) == reported {
                residual::empty(statement, &mut self.errors);
            }
            return;
        };
        let output = self.shape;
        // After an error inside, the shapes may be stand-ins: the block is not judged on them.
        let judged = count(&self.errors) == reported;
        let layers = &self.layers[first..=last];
        let projection = if judged {
            residual::check(statement, ordinal, input, output, layers, &mut self.errors)
        } else {
            None
        };
        let projection = projection.map(|mut layer| {
            layer.scalar = self.def.scalar;
            place(&mut layer, &mut self.inline_params);
            layer
        });
        self.blocks.push(Block {
            ordinal,
            first,
            last,
            input,
            output,
            projection,
            span: statement.keyword.span(),
        });
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
