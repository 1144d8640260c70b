//! What the drawing examples share: the embedded font, writing a PNG without plotters' image
//! encoder, and the path a picture was written to.

use std::error::Error;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

/// The font of every label, embedded so that no system font is needed (see `assets/README.md`).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-Latin1.ttf");

/// Makes the embedded font plotters' `sans-serif`.
pub fn register_font() -> Result<(), Box<dyn Error>> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the embedded font is not a valid TrueType font")?;
    Ok(())
}

/// Draws with `draw` on an RGB canvas of `size` pixels and writes it to `path` as a
/// PNG (encoded with the `png` crate: plotters' own encoder would build the whole `image` crate
/// before any example can run).
pub fn save_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), Box<dyn Error>>,
) -> Result<(), Box<dyn Error>> {
    let mut pixels = vec![0; size.0 as usize * size.1 as usize * 3];
    draw(&BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area())?;
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, size.0, size.1);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(())
}

/// `path` as an absolute path where the current directory is known.
pub fn shown(path: &Path) -> String {
    std::env::current_dir()
        .map_or_else(|_| PathBuf::from(path), |dir| dir.join(path))
        .display()
        .to_string()
}
