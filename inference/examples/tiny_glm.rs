//! Write a tiny random GLM checkpoint (the test fixture) into a folder, to try the command line
//! on: `cargo run -p cutbridge-inference --example tiny_glm -- /tmp/tiny-glm`.
fn main() {
    let dir = std::env::args().nth(1).expect("usage: tiny_glm DIR");
    let cfg = inference::testing::write_tiny_glm(std::path::Path::new(&dir), 7).unwrap();
    println!(
        "{dir}: {} layers, vocab {}",
        cfg.num_layers, cfg.padded_vocab_size
    );
}
