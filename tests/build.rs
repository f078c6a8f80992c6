//! Compiles the C half of the OpenFX test host (its variadic suite functions) against the
//! project's own OpenFX headers.

fn main() {
    println!("cargo:rerun-if-changed=ofx_host/shim.c");
    println!("cargo:rerun-if-changed=../sdk-headers");
    cc::Build::new()
        .file("ofx_host/shim.c")
        .include("../sdk-headers")
        .warnings(true)
        .compile("ofx_host_shim");
}
