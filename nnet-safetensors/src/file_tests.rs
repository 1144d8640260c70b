//! Tests of the bounded file reader: special files refused at once, nothing read past what the
//! header declares, and the same errors as `SafeTensors::parse` of the whole file.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use crate::{DEFAULT_MAX_HEADER, Error, FileError, SafeTensors, TensorData, read_file, write};

/// A fresh path in the temporary directory, unique to this test process and `name`.
fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("nnet-file-tests-{}-{name}", std::process::id()))
}

/// `read_file(path)`, or a failure if it does not return within 10 seconds (a hang).
fn read_within_time(path: PathBuf) -> Result<Vec<u8>, FileError> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(read_file(&path, DEFAULT_MAX_HEADER));
    });
    receive
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("read_file did not return within 10 s: it hangs"))
}

fn small_file() -> Vec<u8> {
    write(
        &[("note", "small")],
        &[TensorData::from_values("w", vec![2], &[1.0_f32, 2.0])],
    )
}

#[test]
#[cfg(unix)]
fn dev_zero_is_refused_at_once() {
    let error = read_within_time(PathBuf::from("/dev/zero")).unwrap_err();
    let FileError::Io(error) = error else {
        panic!("expected an I/O error, got {error:?}");
    };
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        error
            .to_string()
            .contains("not a regular file but a character device"),
        "{error}"
    );
}

#[test]
#[cfg(unix)]
fn a_fifo_is_refused_without_blocking() {
    let path = temp_path("fifo");
    let _ = std::fs::remove_file(&path);
    let made = std::process::Command::new("mkfifo").arg(&path).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available: skipped");
        return;
    }
    let result = read_within_time(path.clone());
    let _ = std::fs::remove_file(&path);
    let error = result.unwrap_err();
    assert!(
        error.to_string().contains("not a regular file but a FIFO"),
        "{error}"
    );
}

/// The race the check before the open leaves: the path names a FIFO with no writer by the
/// time it is opened. The open does not wait for a writer (`O_NONBLOCK`) and the opened file is
/// refused for what it is. (The channel's timeout only turns a hang into a failure.)
#[test]
#[cfg(unix)]
fn a_fifo_opened_after_the_check_is_refused_without_blocking() {
    let path = temp_path("fifo-after-check");
    let _ = std::fs::remove_file(&path);
    let made = std::process::Command::new("mkfifo").arg(&path).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available: skipped");
        return;
    }
    let (send, receive) = mpsc::channel();
    let opened = path.clone();
    std::thread::spawn(move || {
        let _ = send.send(crate::file::open_regular(&opened).map(|_| ()));
    });
    let result = receive.recv_timeout(Duration::from_secs(60));
    let _ = std::fs::remove_file(&path);
    let result = result.unwrap_or_else(|_| panic!("opening a FIFO with no writer blocked"));
    let error = result.unwrap_err();
    assert!(
        error.to_string().contains("not a regular file but a FIFO"),
        "{error}"
    );
}

/// The flag the reader opens files with is the system's `O_NONBLOCK`.
#[test]
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn o_nonblock_is_the_system_value() {
    assert_eq!(crate::file::O_NONBLOCK, libc::O_NONBLOCK);
}

#[test]
fn a_directory_is_refused() {
    let error = read_file(std::env::temp_dir(), DEFAULT_MAX_HEADER).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("not a regular file but a directory"),
        "{error}"
    );
}

#[test]
fn a_missing_file_is_an_io_error() {
    let error = read_file(temp_path("missing"), DEFAULT_MAX_HEADER).unwrap_err();
    assert!(matches!(&error, FileError::Io(e) if e.kind() == std::io::ErrorKind::NotFound));
}

#[test]
fn a_valid_file_is_read_whole() {
    let path = temp_path("valid");
    let bytes = small_file();
    std::fs::write(&path, &bytes).unwrap();
    let read = read_file(&path, DEFAULT_MAX_HEADER);
    let _ = std::fs::remove_file(&path);
    assert_eq!(read.unwrap(), bytes);
}

/// Each malformed file gives the error `SafeTensors::parse` gives for its whole bytes.
#[test]
fn errors_are_those_of_parse() {
    let valid = small_file();
    let mut trailing = valid.clone();
    trailing.extend_from_slice(&[0; 5]);
    let mut gap_and_trailing = write(&[], &[TensorData::from_values("w", vec![1], &[1.0_f32])]);
    // The header says [0, 4]; make it [4, 8] and add bytes: a gap at the start comes first.
    let text = String::from_utf8_lossy(&gap_and_trailing).replace("[0,4]", "[4,8]");
    if text.len() == gap_and_trailing.len() {
        gap_and_trailing = text.into_bytes();
    }
    gap_and_trailing.extend_from_slice(&[0; 12]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("short prefix", vec![1, 2, 3]),
        (
            "huge header",
            7_000_000_000_000_000_000_u64.to_le_bytes().to_vec(),
        ),
        ("inside header", valid[..20].to_vec()),
        ("not json", [&5_u64.to_le_bytes()[..], b"{abc}"].concat()),
        ("inside data", valid[..valid.len() - 3].to_vec()),
        ("trailing", trailing),
        ("gap and trailing", gap_and_trailing),
    ];
    for (name, bytes) in cases {
        let path = temp_path(&format!("case-{}", name.replace(' ', "-")));
        std::fs::write(&path, &bytes).unwrap();
        let read = read_file(&path, DEFAULT_MAX_HEADER);
        let _ = std::fs::remove_file(&path);
        let expected = SafeTensors::parse(&bytes, DEFAULT_MAX_HEADER).unwrap_err();
        let found = match read {
            Err(FileError::Format(error)) => error,
            Err(FileError::Io(error)) => panic!("{name}: I/O error {error}"),
            Ok(read) => SafeTensors::parse(&read, DEFAULT_MAX_HEADER).unwrap_err(),
        };
        assert_eq!(found, expected, "{name}");
    }
}

/// A file of 4 GiB (sparse) whose header declares 8 bytes of data: refused for its trailing
/// bytes without reading them (a whole read would take gigabytes of memory).
#[test]
fn bytes_after_the_declared_data_are_not_read() {
    let path = temp_path("long");
    let bytes = small_file();
    let file = std::fs::File::create(&path).unwrap();
    std::io::Write::write_all(&mut &file, &bytes).unwrap();
    let length = 4_u64 << 30;
    if file.set_len(length).is_err() {
        let _ = std::fs::remove_file(&path);
        eprintln!("cannot make a sparse file here: skipped");
        return;
    }
    drop(file);
    let start = std::time::Instant::now();
    let read = read_file(&path, DEFAULT_MAX_HEADER);
    let _ = std::fs::remove_file(&path);
    let Err(FileError::Format(Error::Layout(text))) = read else {
        panic!("expected trailing bytes, got {read:?}");
    };
    let extra = length - bytes.len() as u64;
    assert!(
        text.starts_with(&format!("{extra} trailing bytes")),
        "{text}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

/// A header length above the limit is refused before the header is read.
#[test]
fn a_header_above_the_limit_is_not_read() {
    let path = temp_path("limit");
    let mut bytes = 1000_u64.to_le_bytes().to_vec();
    bytes.extend(std::iter::repeat_n(b' ', 1000));
    std::fs::write(&path, &bytes).unwrap();
    let read = read_file(&path, 999);
    let _ = std::fs::remove_file(&path);
    assert!(
        matches!(
            read,
            Err(FileError::Format(Error::HeaderTooLarge {
                len: 1000,
                limit: 999
            }))
        ),
        "{read:?}"
    );
}
