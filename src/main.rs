fn main() -> std::process::ExitCode {
    bms_mcp::cli::main()
}
