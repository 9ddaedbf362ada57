fn main() {
    std::process::exit(tradestore::cli::main());
}
