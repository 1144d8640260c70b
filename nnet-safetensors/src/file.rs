//! Reading a weight file from disk without trusting it: a bounded read of exactly the bytes
//! the header declares, shared by the run-time loader (`io::load`) and the `network!` macro
//! (`#[weights = "…"]`), so that neither can be made to hang or to read without end.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

use crate::Error;
use crate::read::{declared_data_len, header_len, trailing_bytes};

/// Why [`read_file`] could not give the bytes of a weight file.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{FileError, read_file, DEFAULT_MAX_HEADER};
///
/// let error = read_file("no/such/file.safetensors", DEFAULT_MAX_HEADER).unwrap_err();
/// assert!(matches!(error, FileError::Io(_)));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// The file cannot be read: it does not exist, is not a regular file (a directory, a
    /// FIFO, a device such as `/dev/zero`), or reading it failed.
    Io(io::Error),
    /// The file is read, but is not a valid safetensors file (a header too long, a file that
    /// ends early or holds more bytes than its header declares, …).
    Format(Error),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io(error) => write!(f, "{error}"),
            FileError::Format(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for FileError {}

/// The bytes of the safetensors file at `path`, read without trusting it: at most 8 bytes of
/// header length, the header if its length is at most `max_header` (and
/// [`DEFAULT_MAX_HEADER`](crate::DEFAULT_MAX_HEADER)), then exactly the data section the header
/// declares (the end of its last tensor), never more.
///
/// The path must name a regular file, which is checked before the file is opened (opening a
/// FIFO would block until a writer comes) and again on the opened file, which is opened
/// without blocking (`O_NONBLOCK`), so that a path swapped for a FIFO between the two looks is
/// refused too instead of hanging: a directory, a FIFO or a device (`/dev/zero`, which never
/// ends) is refused at once. A file longer than its header
/// declares is refused without reading the rest (the "trailing bytes" error of
/// [`SafeTensors::parse`](crate::SafeTensors::parse)), so the time and memory of a read are
/// bounded by the header's limit and the data the header declares, itself bounded by the
/// file's size. A file shorter than declared is returned as it is, for
/// [`SafeTensors::parse`](crate::SafeTensors::parse) to say which tensor runs past its end.
///
/// The bytes are meant for [`SafeTensors::parse`](crate::SafeTensors::parse), which checks
/// them whole; every error found here is the one it would report for the whole file.
///
/// # Errors
///
/// [`FileError::Io`] if the path is not a regular file or cannot be read;
/// [`FileError::Format`] with [`Error::Truncated`], [`Error::HeaderTooLarge`],
/// [`Error::Header`], [`Error::Entry`] or [`Error::Layout`] (trailing bytes) if the file is
/// not a safetensors file.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{read_file, write, FileError, SafeTensors, TensorData, DEFAULT_MAX_HEADER};
///
/// let path = std::env::temp_dir().join(format!("nnet-read-file-doc-{}.safetensors", std::process::id()));
/// std::fs::write(&path, write(&[], &[TensorData::from_values("w", vec![1], &[2.0_f32])]))?;
/// let bytes = read_file(&path, DEFAULT_MAX_HEADER)?;
/// let file = SafeTensors::parse(&bytes, DEFAULT_MAX_HEADER)?;
/// assert_eq!(file.tensor("w").unwrap().to_f32(), vec![2.0]);
/// std::fs::remove_file(&path)?;
///
/// // A directory is not a weight file, and is refused before it is opened.
/// let error = read_file(std::env::temp_dir(), DEFAULT_MAX_HEADER).unwrap_err();
/// assert!(error.to_string().contains("not a regular file"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_file(path: impl AsRef<Path>, max_header: usize) -> Result<Vec<u8>, FileError> {
    let path = path.as_ref();
    regular(&std::fs::metadata(path).map_err(FileError::Io)?)?;
    let (file, metadata) = open_regular(path)?;
    let size = metadata.len();
    let mut reader = io::BufReader::new(file);
    let mut bytes = Vec::new();
    read_up_to(&mut reader, &mut bytes, 8, size)?;
    let Some(prefix) = bytes.first_chunk::<8>() else {
        return Err(FileError::Format(Error::Truncated {
            needed: 8,
            len: bytes.len(),
        }));
    };
    let header = header_len(*prefix, max_header).map_err(FileError::Format)?;
    read_up_to(&mut reader, &mut bytes, header, size)?;
    let Some(header_bytes) = bytes.get(8..) else {
        return Ok(bytes);
    };
    if (header_bytes.len() as u64) < header {
        // Truncated inside the header: `SafeTensors::parse` says so.
        return Ok(bytes);
    }
    let data = declared_data_len(header_bytes).map_err(FileError::Format)?;
    read_up_to(&mut reader, &mut bytes, data as u64, size)?;
    let read = bytes.len() as u64;
    if size > read {
        // Bytes follow the declared data. A file that also has a gap or an overlap reports
        // that first, as `SafeTensors::parse` of the whole file would.
        crate::SafeTensors::parse(&bytes, max_header).map_err(FileError::Format)?;
        let extra = usize::try_from(size - read).unwrap_or(usize::MAX);
        return Err(FileError::Format(trailing_bytes(
            data,
            data.saturating_add(extra),
        )));
    }
    Ok(bytes)
}

/// `open(2)`'s `O_NONBLOCK` on the targets whose value is known here (Linux and Android but
/// for their MIPS, SPARC and Alpha ports, and the BSD family with macOS), checked against
/// `libc`'s in the tests; elsewhere no flag is added and only the check before the open guards
/// against a FIFO.
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
))]
pub(crate) const O_NONBLOCK: i32 = 0o4000;
#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
pub(crate) const O_NONBLOCK: i32 = 0x4;
#[cfg(all(
    unix,
    not(any(
        all(
            any(target_os = "linux", target_os = "android"),
            not(any(
                target_arch = "mips",
                target_arch = "mips64",
                target_arch = "sparc",
                target_arch = "sparc64"
            ))
        ),
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    ))
))]
pub(crate) const O_NONBLOCK: i32 = 0;

/// Opens `path` for reading without waiting: with `O_NONBLOCK` on Unix, so that a path
/// replaced by a FIFO after the check of its metadata is opened at once (and then refused for
/// what it is) rather than blocking until a writer comes. On a regular file the flag changes
/// nothing: reads of a regular file never wait.
fn open_without_blocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, O_NONBLOCK);
    options.open(path)
}

/// The file at `path`, opened without blocking, and its metadata, or an error unless it is a
/// regular file. The path may have been replaced since its metadata was checked (by a FIFO,
/// say, which the non-blocking open does not wait on): this judges the file that was opened.
pub(crate) fn open_regular(path: &Path) -> Result<(File, Metadata), FileError> {
    let file = open_without_blocking(path).map_err(FileError::Io)?;
    let metadata = file.metadata().map_err(FileError::Io)?;
    regular(&metadata)?;
    Ok((file, metadata))
}

/// An error unless `metadata` is a regular file's.
fn regular(metadata: &Metadata) -> Result<(), FileError> {
    if metadata.is_file() {
        return Ok(());
    }
    Err(FileError::Io(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "not a regular file but {}: a weight file must be a regular file",
            file_kind(metadata)
        ),
    )))
}

/// What a file that is not a regular file is.
fn file_kind(metadata: &Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// Appends at most `n` more bytes of `reader` to `bytes` (fewer at its end), reserving no more
/// than the file's `size` allows.
fn read_up_to(
    reader: &mut impl Read,
    bytes: &mut Vec<u8>,
    n: u64,
    size: u64,
) -> Result<(), FileError> {
    let left = size.saturating_sub(bytes.len() as u64);
    bytes.reserve(usize::try_from(n.min(left)).unwrap_or(0));
    reader.take(n).read_to_end(bytes).map_err(FileError::Io)?;
    Ok(())
}
