//! The `tribunal` binary; everything lives in `tribunal-cli`.

fn main() -> eyre::Result<()> {
    tribunal_cli::run()
}
