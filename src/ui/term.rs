//! The terminal itself: what apitrace asks of the console before writing to it.

/// Lets a Windows console (10 and later) show ANSI colours and the progress line's erase
/// sequence: turns on virtual terminal processing for each of stdout and stderr that is a
/// console. A pipe or a file is left alone (`GetConsoleMode` fails on it). Unix terminals
/// take ANSI as they are.
#[cfg(windows)]
pub fn enable_ansi_on_console() {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::System::Console::{
        CONSOLE_MODE, ENABLE_VIRTUAL_TERMINAL_PROCESSING, GetConsoleMode, SetConsoleMode,
    };
    for handle in [
        std::io::stdout().as_raw_handle(),
        std::io::stderr().as_raw_handle(),
    ] {
        let mut mode: CONSOLE_MODE = 0;
        // SAFETY: the process's own standard handles, valid (or null, which fails) for the
        // calls; `mode` outlives the call that writes it.
        unsafe {
            if GetConsoleMode(handle, &mut mode) != 0 {
                SetConsoleMode(handle, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
            }
        }
    }
}

#[cfg(not(windows))]
pub fn enable_ansi_on_console() {}
