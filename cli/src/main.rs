//! `krt`: the kruntimes command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    krt::main_with_args(std::env::args_os())
}
