//! The README's code agrees with the files it names: every weight file is declared with the
//! same layers wherever a snippet writes or reads it, and the README's `no_std` program and
//! build script are, character for character, the ones `nnet-nostd-check/` builds and runs in CI
//! (`.ci/run`).
//!
//! `NNET_WRITE_FIXTURES=1 cargo test --test readme` rewrites `nnet-nostd-check/weights/`.

use std::collections::BTreeMap;

const README: &str = include_str!("../README.md");

/// The text of every fenced code block of the README whose info string starts with `rust`.
fn rust_blocks() -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in README.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) if info.starts_with("rust") => current = Some(String::new()),
            (Some(_), Some("")) => blocks.extend(current.take()),
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The layer list of every `network!` declaration of `block`, by struct name, with comments
/// dropped and white space collapsed.
fn declarations(block: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let code: String = block
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ");
    for part in code.split("network!").skip(1) {
        let Some(after) = part.split_once("struct ").map(|(_, a)| a) else {
            continue;
        };
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let Some(body) = after.split_once('{').map(|(_, b)| b) else {
            continue;
        };
        let layers = body.split('}').next().unwrap_or("");
        let layers = layers.split_whitespace().collect::<Vec<_>>().join(" ");
        found.insert(name, layers);
    }
    found
}

/// The weight files (by file name) a block names: `"….safetensors"` string literals.
fn files(block: &str) -> Vec<String> {
    block
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.ends_with(".safetensors"))
        .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
        .collect()
}

/// For each weight file the README names, each layer list a snippet declares it with, and the
/// first line of each such snippet.
fn readme_architectures() -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    // file name -> (layer list -> the first line of each block that declares it so)
    let mut seen: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for block in rust_blocks() {
        let names = files(&block);
        if names.is_empty() {
            continue;
        }
        let declared = declarations(&block);
        for name in names {
            let stem = name.trim_end_matches(".safetensors");
            // The network a block saves or bakes under `stem.safetensors` is the struct of that
            // name (`Classifier` for `classifier.safetensors`, `Amp` for `amp.safetensors`).
            let Some(layers) = declared
                .iter()
                .find(|(s, _)| s.eq_ignore_ascii_case(stem))
                .map(|(_, l)| l.clone())
            else {
                continue;
            };
            seen.entry(name)
                .or_default()
                .entry(layers)
                .or_default()
                .push(block.lines().next().unwrap_or("").to_string());
        }
    }
    seen
}

#[test]
fn every_weight_file_has_one_architecture_across_the_readme() {
    let seen = readme_architectures();
    for file in ["classifier.safetensors", "amp.safetensors"] {
        let declared = seen.get(file).map_or(0, |d| d.values().map(Vec::len).sum());
        assert!(
            declared >= 2,
            "`{file}` should be written by one snippet and read by another: {seen:#?}"
        );
    }
    for (file, architectures) in &seen {
        assert_eq!(
            architectures.len(),
            1,
            "`{file}` is declared with different layers in the README: {architectures:#?}"
        );
    }
}

#[test]
fn the_readme_no_std_program_is_the_one_ci_builds() {
    let blocks = rust_blocks();
    for path in ["src/bin/readme.rs", "build.rs"] {
        let file = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("nnet-nostd-check")
                .join(path),
        )
        .expect("nnet-nostd-check file");
        assert!(
            blocks.contains(&file),
            "the README shows no block equal to nnet-nostd-check/{path}; copy it in"
        );
    }
}

/// The layers of the two networks below, as the README declares them.
const AMP: &str = "input sequence 1; gru 8 (return_sequences); dense 1;";
const CLASSIFIER: &str =
    "input 2; dense 10 relu; dense 20 leaky_relu (alpha = 0.1); dense 1 sigmoid;";

nnet::network! {
    /// The README's "Recurrent networks" and "Embedding" declaration of `amp.safetensors`.
    struct Amp { input sequence 1; gru 8 (return_sequences); dense 1; }
}

nnet::network! {
    /// The README's declaration of `classifier.safetensors`.
    struct Classifier { input 2; dense 10 relu; dense 20 leaky_relu (alpha = 0.1); dense 1 sigmoid; }
}

#[test]
fn the_no_std_program_bakes_files_the_readme_networks_write() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("nnet-nostd-check/weights");
    if std::env::var_os("NNET_WRITE_FIXTURES").is_some() {
        nnet::io::save(&Amp::seeded(0), dir.join("amp.safetensors")).expect("write");
        nnet::io::save(&Classifier::seeded(42), dir.join("classifier.safetensors")).expect("write");
    }
    // The declarations above are the README's.
    let seen = readme_architectures();
    for (file, layers) in [
        ("amp.safetensors", AMP),
        ("classifier.safetensors", CLASSIFIER),
    ] {
        let declared: Vec<&String> = seen
            .get(file)
            .map(|d| d.keys().collect())
            .unwrap_or_default();
        assert_eq!(declared, [layers], "`{file}` in the README");
    }
    let amp: Amp = nnet::io::load(dir.join("amp.safetensors")).expect("amp.safetensors loads");
    assert_eq!(amp, Amp::seeded(0));
    let net: Classifier =
        nnet::io::load(dir.join("classifier.safetensors")).expect("classifier.safetensors loads");
    assert_eq!(net, Classifier::seeded(42));
}
