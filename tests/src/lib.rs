//! Helpers for end-to-end tests: external tools, child processes that are always cleaned up,
//! a private X server, window polling and screenshots.
//!
//! A missing tool is a test failure that names the Debian package to install (`tests/run.sh`
//! installs them all), never a silent skip.

pub use image;

pub mod emulators;
pub mod example_config;
#[cfg(feature = "kittest")]
pub mod kittest;
pub mod moto;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// The repository root (the workspace directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent directory")
        .to_path_buf()
}

/// The app's binary (pass `env!("CARGO_BIN_EXE_kinesis-starrocks")`) the way the tests run it:
/// the StarRocks password in `STARROCKS_PASSWORD`, static AWS test credentials, no AWS config
/// files, never the EC2 instance metadata service, stdin closed.
pub fn app_command(binary: &str, password: &str) -> Command {
    let mut c = Command::new(binary);
    c.env("STARROCKS_PASSWORD", password)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// Finds `command` on `PATH`.
pub fn find_in_path(command: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(command))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Returns the path of `command`, or panics with a message naming the Debian package that
/// provides it.
pub fn require_tool(command: &str, debian_package: &str) -> PathBuf {
    find_in_path(command).unwrap_or_else(|| {
        panic!(
            "`{command}` is not installed (Debian package `{debian_package}`). \
             Run `bash tests/run.sh` as root, which installs every test dependency, \
             or `apt-get install {debian_package}`."
        )
    })
}

/// Runs `command` to its end with `stdin_text` typed into it; its output (stdout and stderr
/// captured).
pub fn output_with_stdin(command: &mut Command, stdin_text: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin_text.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Panics, showing `text`, unless it holds `needle`.
#[track_caller]
pub fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "{text}");
}

/// A child process that is killed (and reaped) when the guard is dropped, also when a test
/// panics.
pub struct ChildGuard {
    name: String,
    child: Child,
}

impl ChildGuard {
    /// Spawns `command` under a guard. `name` appears in messages.
    pub fn spawn(name: &str, command: &mut Command) -> std::io::Result<Self> {
        let child = command.spawn()?;
        Ok(Self {
            name: name.to_owned(),
            child,
        })
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has already exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The underlying child, for its pipes.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Stops the process and waits for it; returns how it ended. Sends SIGTERM first (so Xvfb
    /// removes its lock file and socket), then SIGKILL after 5 s.
    pub fn kill(&mut self) -> Option<ExitStatus> {
        if let Some(status) = self.try_wait() {
            return Some(status);
        }
        let terminated = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if terminated {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Some(status) = self.try_wait() {
                    return Some(status);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if self.try_wait().is_none() {
            eprintln!("stopping {} (pid {})", self.name, self.child.id());
            self.kill();
        }
    }
}

/// A private X server (`Xvfb`) on a free display; stopped when dropped.
pub struct Xvfb {
    display: u32,
    _process: ChildGuard,
}

impl Xvfb {
    /// Starts `Xvfb -screen 0 WxHx24 -nolisten tcp` and waits until it accepts clients. Xvfb
    /// picks a free display number itself (`-displayfd`), so parallel tests never collide.
    pub fn start(width: u32, height: u32) -> Self {
        let xvfb = require_tool("Xvfb", "xvfb");
        let mut process = ChildGuard::spawn(
            "Xvfb",
            Command::new(xvfb)
                .args(["-displayfd", "1", "-screen", "0"])
                .arg(format!("{width}x{height}x24"))
                .args(["-nolisten", "tcp", "-noreset"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )
        .expect("could not start Xvfb");
        let stdout = process
            .child_mut()
            .stdout
            .take()
            .expect("Xvfb stdout is piped");
        // Xvfb writes the display number once it is ready for clients.
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("could not read Xvfb's display number");
        let display = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "Xvfb did not report a display number (got {line:?}, exit status {:?})",
                process.try_wait()
            )
        });
        Self {
            display,
            _process: process,
        }
    }

    /// The value for `DISPLAY`, e.g. `:99`.
    pub fn display(&self) -> String {
        format!(":{}", self.display)
    }

    /// A command for an X client tool on this display.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env("DISPLAY", self.display())
            .env("AWS_EC2_METADATA_DISABLED", "true");
        command
    }

    /// Polls `xdotool search --name PATTERN` until a window matches, for at most `timeout`.
    /// `still_running` is called between polls; when it returns an error the wait stops with it
    /// (e.g. the app exited).
    pub fn wait_for_window(
        &self,
        name_pattern: &str,
        timeout: Duration,
        mut still_running: impl FnMut() -> Result<(), String>,
    ) -> Result<u64, String> {
        let xdotool = require_tool("xdotool", "xdotool");
        let start = Instant::now();
        loop {
            let output = self
                .command(&xdotool)
                .args(["search", "--name", name_pattern])
                .stderr(Stdio::null())
                .output()
                .map_err(|e| format!("could not run xdotool: {e}"))?;
            let first = String::from_utf8_lossy(&output.stdout)
                .lines()
                .find_map(|l| l.trim().parse::<u64>().ok());
            if let Some(id) = first {
                return Ok(id);
            }
            still_running()?;
            if start.elapsed() > timeout {
                return Err(format!(
                    "no window named {name_pattern:?} appeared on {} within {timeout:?}",
                    self.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The geometry (x, y, width, height) of a window, from `xdotool getwindowgeometry --shell`.
    pub fn window_geometry(&self, window: u64) -> Result<(u32, u32, u32, u32), String> {
        let xdotool = require_tool("xdotool", "xdotool");
        let output = self
            .command(xdotool)
            .args(["getwindowgeometry", "--shell", &window.to_string()])
            .output()
            .map_err(|e| format!("could not run xdotool: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let field = |key: &str| -> Result<u32, String> {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map(|v| u32::try_from(v.max(0)).unwrap_or(0))
                .ok_or_else(|| format!("no {key} in xdotool's output: {text:?}"))
        };
        Ok((field("X")?, field("Y")?, field("WIDTH")?, field("HEIGHT")?))
    }

    /// Saves a screenshot of the whole screen (`import -window root`) as PNG.
    pub fn screenshot_root(&self, path: &Path) -> Result<(), String> {
        let import = require_tool("import", "imagemagick");
        let status = self
            .command(import)
            .args(["-window", "root"])
            .arg(path)
            .status()
            .map_err(|e| format!("could not run import: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("import -window root failed: {status}"))
        }
    }
}

/// Saves a rendered screen as `<tmp_dir>/<name>.png` and, with `UPDATE_SCREENSHOTS=1`, copies it
/// to `assets/screenshots/<name>.png` (the README shows those). Returns the saved path.
pub fn save_screenshot(image: &image::RgbaImage, tmp_dir: &str, name: &str) -> PathBuf {
    let out = Path::new(tmp_dir).join(format!("{name}.png"));
    image
        .save(&out)
        .unwrap_or_else(|e| panic!("saving {}: {e}", out.display()));
    if std::env::var("UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let target = workspace_root().join(format!("assets/screenshots/{name}.png"));
        std::fs::copy(&out, &target)
            .unwrap_or_else(|e| panic!("copying to {}: {e}", target.display()));
    }
    out
}

/// The number of distinct RGB colours in an image (1 for a blank image).
pub fn distinct_colours(image: &image::RgbImage) -> usize {
    let mut colours: Vec<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    colours.len()
}

/// Creates a private (0700) directory for `XDG_RUNTIME_DIR`.
pub fn runtime_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("ks-xdg-runtime-")
        .tempdir()
        .expect("could not create a temporary XDG_RUNTIME_DIR");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .expect("could not chmod the XDG_RUNTIME_DIR");
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_image_has_one_colour() {
        let blank = image::RgbImage::from_pixel(16, 8, image::Rgb([30, 30, 30]));
        assert_eq!(distinct_colours(&blank), 1);
    }

    #[test]
    fn colours_are_counted_once_each() {
        let mut img = image::RgbImage::from_pixel(4, 4, image::Rgb([0, 0, 0]));
        img.put_pixel(1, 1, image::Rgb([255, 0, 0]));
        img.put_pixel(2, 2, image::Rgb([255, 0, 0]));
        img.put_pixel(3, 3, image::Rgb([0, 0, 255]));
        assert_eq!(distinct_colours(&img), 3);
    }

    #[test]
    fn finds_sh_on_path_and_not_a_made_up_tool() {
        assert!(find_in_path("sh").is_some());
        assert!(find_in_path("ks-no-such-tool-here").is_none());
    }

    #[test]
    #[should_panic(expected = "Debian package `ks-no-such-package`")]
    fn a_missing_tool_names_its_package() {
        require_tool("ks-no-such-tool-here", "ks-no-such-package");
    }

    #[test]
    fn runtime_dir_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = runtime_dir();
        let mode = dir.path().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn the_workspace_root_holds_the_workspace_manifest() {
        assert!(workspace_root().join("Cargo.toml").is_file());
        assert!(workspace_root().join("tests").join("run.sh").is_file());
    }
}
